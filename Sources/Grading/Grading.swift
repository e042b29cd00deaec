// The Grading module; see DESIGN.md.
