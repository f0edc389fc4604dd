from sqzdesk.cli import main

raise SystemExit(main())
