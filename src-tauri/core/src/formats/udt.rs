//! (being written)

/// Whether an XML root element belongs to a UDT `UDCal_NN.xml` file.
pub fn is_udt_root(_root: &str) -> bool {
    false
}
