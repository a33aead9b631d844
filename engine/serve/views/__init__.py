"""The workbench's screens: each module turns requests into queries and a rendered template."""
