"""What each workbench screen reads from the store: plain SQL over the store's tables, no HTTP."""
