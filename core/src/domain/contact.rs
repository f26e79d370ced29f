//! Phone numbers and 医療機関コード.

use std::fmt;

/// A Japanese phone number: 10 or 11 digits starting with 0, hyphens kept as written.
/// Full-width digits and dashes are normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Phone(Box<str>);

impl Phone {
    /// Checks `text` once into a phone number.
    pub fn parse(text: &str) -> Result<Self, String> {
        let normalised: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).expect("digit"),
                '－' | '‐' | '−' | 'ー' | '―' => '-',
                other => other,
            })
            .collect();
        let digits: String = normalised.chars().filter(|c| *c != '-').collect();
        let well_formed = digits.chars().all(|c| c.is_ascii_digit())
            && (10..=11).contains(&digits.len())
            && digits.starts_with('0')
            && !normalised.starts_with('-')
            && !normalised.ends_with('-')
            && !normalised.contains("--");
        if !well_formed {
            return Err(format!(
                "電話番号 '{text}' が不正です (phone numbers are 10–11 digits starting with 0, e.g. 086-123-4567)"
            ));
        }
        Ok(Self(normalised.into()))
    }

    /// The number as written (hyphens kept).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 10-digit 医療機関コード: prefecture (2), fee table (1: 医科, 3: 歯科), the 7-digit
/// code within the prefecture, whose last digit checks all ten by the Luhn rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MedicalInstitutionCode([u8; 10]);

impl MedicalInstitutionCode {
    /// Checks `text` once into a code.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = |why: &str| format!("医療機関コード '{text}' が不正です ({why})");
        let digits: Vec<u8> = text.bytes().filter(|b| *b != b'-').collect();
        if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad("expected 10 digits: prefecture 2 + fee table 1 + code 7"));
        }
        let mut code = [0u8; 10];
        for (slot, digit) in code.iter_mut().zip(&digits) {
            *slot = digit - b'0';
        }
        let prefecture = code[0] * 10 + code[1];
        if !(1..=47).contains(&prefecture) {
            return Err(bad("prefecture number must be 01–47"));
        }
        if Self::check_digit(&code[..9]) != code[9] {
            return Err(bad("check digit does not match"));
        }
        Ok(Self(code))
    }

    /// The Luhn check digit for the first nine digits.
    pub fn check_digit(payload: &[u8]) -> u8 {
        let sum: u32 = payload
            .iter()
            .rev()
            .enumerate()
            .map(|(position, &digit)| {
                let product = u32::from(digit) * if position % 2 == 0 { 2 } else { 1 };
                product / 10 + product % 10
            })
            .sum();
        ((10 - sum % 10) % 10) as u8
    }

    /// The prefecture number (岡山県 is 33).
    pub fn prefecture(self) -> u8 {
        self.0[0] * 10 + self.0[1]
    }
}

impl fmt::Display for MedicalInstitutionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|digit| write!(f, "{digit}"))
    }
}

impl serde::Serialize for MedicalInstitutionCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_and_checked() {
        assert_eq!(Phone::parse("086-123-4567").unwrap().as_str(), "086-123-4567");
        assert_eq!(Phone::parse("０８６－１２３－４５６７").unwrap().as_str(), "086-123-4567");
        assert_eq!(Phone::parse("09012345678").unwrap().as_str(), "09012345678");
        for bad in ["", "123-4567", "86-123-4567x", "086--123-4567", "0861234567890"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn medical_institution_codes_check_their_luhn_digit() {
        // A published example of a 10-digit code.
        let code = MedicalInstitutionCode::parse("0110113719").unwrap();
        assert_eq!(code.prefecture(), 1);
        assert_eq!(code.to_string(), "0110113719");
        assert!(MedicalInstitutionCode::parse("0110113718").unwrap_err().contains("check digit"));
        assert!(MedicalInstitutionCode::parse("9910113719").is_err());
        assert!(MedicalInstitutionCode::parse("011011371").is_err());
    }
}
