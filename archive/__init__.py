"""nianbao archive: versioned report records, change events, search and alerts."""
