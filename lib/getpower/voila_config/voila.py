# Voila configuration that cannot be given on the command line (a callable): read by the server
# `getpower serve` starts (--Voila.config_file_paths). See getpower.serve.cell_timeout.
from getpower.serve import cell_timeout

c.VoilaExecutor.timeout_func = cell_timeout  # noqa: F821 (c: the configuration object Voila provides)
