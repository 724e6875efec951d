//! Parsing decoded invoice documents (3.0, 2.0 and 1.x) into the domain model. Owned by the
//! parser work; see the team brief.
