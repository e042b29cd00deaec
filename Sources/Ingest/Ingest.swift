// The Ingest module; see DESIGN.md.
internal import DojoCore
