from firmware.cli.main import main

raise SystemExit(main())
