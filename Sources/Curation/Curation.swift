// The Curation module; see DESIGN.md.
