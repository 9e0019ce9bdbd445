from ordergate.cli import main

raise SystemExit(main())
