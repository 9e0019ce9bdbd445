from ordergate.flows.cli import main

raise SystemExit(main())
