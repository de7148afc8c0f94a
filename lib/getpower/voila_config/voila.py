"""Voila configuration that cannot be given on the command line (a callable), read by the server
`getpower serve` starts (``--Voila.config_file_paths``). See :func:`getpower.serve.cell_timeout`."""
try:
    c = get_config()  # noqa: F821 (provided by the configuration loader)
except NameError:  # imported as a module (the doctest collection): nothing to configure
    c = None

if c is not None:
    from getpower.serve import cell_timeout

    c.VoilaExecutor.timeout_func = cell_timeout
