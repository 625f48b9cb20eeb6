//! Use cases over an open vault, above every layer they combine: `audit` (what in the
//! vault needs attention).

pub mod audit;
