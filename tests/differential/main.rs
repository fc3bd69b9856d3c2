//! Differential tests of the state-space reductions (issue 15): a model searched with every
//! reduction and the plain model (`Reduction::NONE`) must give the same verdict for every
//! property and the same shortest counterexample, for every shipped model at every
//! consistency setting, for a few hundred random small models, and for the fixtures of bugs
//! the comparison found. Traces replay under the plain transition relation.

mod fixtures;
mod random;
mod shipped;
mod support;
mod traces;
