//! Placeholder, replaced by the real module.
#[derive(Debug, Clone)]
pub struct Threshold;
impl Threshold {
    /// Parses.
    pub fn parse(_t: &str) -> Result<Threshold, String> {
        Ok(Threshold)
    }
}
