from getpower.cli import main

raise SystemExit(main())
