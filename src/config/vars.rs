//! The parsing rules every setting shares: blank is unset, numbers and choices are
//! checked, and every error names its setting.

use std::fmt;
use std::str::FromStr;

/// A setting that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub setting: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid setting {}: {}", self.setting, self.problem)
    }
}

impl std::error::Error for ConfigError {}

pub fn bad(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        problem: problem.into(),
    }
}

/// A name → value lookup (the environment, or a map in tests).
pub struct Vars<'a>(pub &'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    /// The value, or `None` when unset or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value exactly as set (a password may start or end with a space).
    pub fn untrimmed(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.is_empty())
    }

    pub fn string(&self, name: &str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_owned())
    }

    pub fn parse<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| bad(name, format!("{v:?} is not a valid number here"))),
        }
    }

    /// A number that must lie in `range`; `what` says the range in words.
    pub fn number_in<T>(
        &self,
        name: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
        what: &str,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd,
    {
        let value = self.parse(name, default)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(bad(name, format!("must be {what}")))
        }
    }

    /// An `http://` or `https://` URL.
    pub fn http_url(&self, name: &'static str, default: &str) -> Result<String, ConfigError> {
        let url = self.string(name, default);
        if is_http(&url) {
            Ok(url)
        } else {
            Err(bad(name, "must start with http:// or https://"))
        }
    }

    pub fn choice<T: Copy>(
        &self,
        name: &'static str,
        default: T,
        options: &[(&str, T)],
    ) -> Result<T, ConfigError> {
        let Some(v) = self.optional(name) else {
            return Ok(default);
        };
        let wanted = v.to_ascii_lowercase();
        options
            .iter()
            .find(|(label, _)| *label == wanted)
            .map(|(_, value)| *value)
            .ok_or_else(|| {
                let labels: Vec<&str> = options.iter().map(|(l, _)| *l).collect();
                bad(name, format!("{v:?} is not one of {}", labels.join(", ")))
            })
    }
}

pub fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}
