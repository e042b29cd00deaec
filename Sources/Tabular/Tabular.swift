// The Tabular module; see DESIGN.md.
