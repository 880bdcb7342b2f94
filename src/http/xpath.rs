//! A small XPath subset for device information pages, evaluated with
//! roxmltree.
//!
//! Supported: absolute steps (`/a/b`), descendant steps (`//b`), `*`,
//! predicates `[@name='value']` and `[n]` (1-based), and a final `@name`
//! step that selects an attribute. Element names match by local name, so a
//! prefix in the path (`dd:Version`) or in the document is ignored, because
//! printers bind the same namespace to different prefixes across firmware.

use roxmltree::{Document, Node};

/// A parsed path, checked when the profile loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XPath {
    steps: Vec<Step>,
    attribute: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    /// Whether the step searches all descendants (`//`) rather than children.
    descendant: bool,
    /// Local name, or `None` for `*`.
    name: Option<String>,
    predicate: Option<Predicate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Predicate {
    Attribute { name: String, value: String },
    Position(usize),
}

impl XPath {
    /// Parses a path such as `/DeviceInformationX/versionID` or
    /// `//ProductInformation/Version/Revision`.
    pub fn parse(text: &str) -> Result<XPath, String> {
        if !text.starts_with('/') {
            return Err(format!("XPath {text:?} must start with / or //"));
        }
        let mut steps = Vec::new();
        let mut attribute = None;
        let mut rest = text;
        while !rest.is_empty() {
            let descendant = rest.starts_with("//");
            rest = rest.strip_prefix("//").or_else(|| rest.strip_prefix('/')).unwrap_or(rest);
            let end = step_end(rest);
            let step_text = &rest[..end];
            rest = &rest[end..];
            if step_text.is_empty() {
                return Err(format!("XPath {text:?} has an empty step"));
            }
            if let Some(name) = step_text.strip_prefix('@') {
                if !rest.is_empty() || descendant {
                    return Err(format!("XPath {text:?}: an attribute step (@{name}) must be the last step, after /"));
                }
                attribute = Some(local_name(name).to_string());
                break;
            }
            steps.push(parse_step(step_text, descendant).map_err(|message| format!("XPath {text:?}: {message}"))?);
        }
        if steps.is_empty() {
            return Err(format!("XPath {text:?} selects no element"));
        }
        Ok(XPath { steps, attribute })
    }

    /// Returns the text of the first node the path selects: an attribute
    /// value, or the element's text content with surrounding white space
    /// removed.
    pub fn select(&self, document: &Document<'_>) -> Option<String> {
        let mut nodes = vec![document.root()];
        for step in &self.steps {
            nodes = apply_step(&nodes, step);
            if nodes.is_empty() {
                return None;
            }
        }
        nodes.into_iter().find_map(|node| match &self.attribute {
            Some(name) => node.attributes().find(|a| a.name() == name).map(|a| a.value().to_string()),
            None => Some(text_content(node)),
        })
    }
}

/// Returns the byte index where the step at the start of `rest` ends: the
/// next `/` outside a predicate.
fn step_end(rest: &str) -> usize {
    let mut depth = 0usize;
    for (index, character) in rest.char_indices() {
        match character {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => return index,
            _ => {}
        }
    }
    rest.len()
}

fn parse_step(text: &str, descendant: bool) -> Result<Step, String> {
    let (name, predicate) = match text.find('[') {
        Some(open) => {
            let inner = text[open + 1..].strip_suffix(']').ok_or_else(|| format!("unclosed predicate in {text:?}"))?;
            (&text[..open], Some(parse_predicate(inner)?))
        }
        None => (text, None),
    };
    let valid = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
    if name != "*" && (name.is_empty() || !name.chars().all(valid)) {
        return Err(format!("{name:?} is not an element name or *"));
    }
    let name = (name != "*").then(|| local_name(name).to_string());
    Ok(Step { descendant, name, predicate })
}

fn parse_predicate(inner: &str) -> Result<Predicate, String> {
    if let Ok(position) = inner.trim().parse::<usize>() {
        if position == 0 {
            return Err("positions start at 1".to_string());
        }
        return Ok(Predicate::Position(position));
    }
    let attribute = inner.trim().strip_prefix('@').ok_or_else(|| format!("predicate [{inner}] is not [@name='value'] or [n]"))?;
    let (name, value) = attribute.split_once('=').ok_or_else(|| format!("predicate [{inner}] has no ="))?;
    let value = value.trim();
    let unquoted = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        .ok_or_else(|| format!("predicate [{inner}]: the value must be quoted"))?;
    Ok(Predicate::Attribute { name: local_name(name.trim()).to_string(), value: unquoted.to_string() })
}

fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn apply_step<'a, 'input>(nodes: &[Node<'a, 'input>], step: &Step) -> Vec<Node<'a, 'input>> {
    let mut selected = Vec::new();
    for node in nodes {
        let candidates: Vec<Node<'a, 'input>> = if step.descendant {
            node.descendants().filter(|n| n != node).filter(|n| n.is_element()).collect()
        } else {
            node.children().filter(|n| n.is_element()).collect()
        };
        let named: Vec<Node<'a, 'input>> = candidates
            .into_iter()
            .filter(|n| step.name.as_deref().is_none_or(|name| n.tag_name().name() == name))
            .collect();
        match &step.predicate {
            None => selected.extend(named),
            Some(Predicate::Position(position)) => selected.extend(named.get(position - 1).copied()),
            Some(Predicate::Attribute { name, value }) => {
                selected.extend(named.into_iter().filter(|n| n.attributes().any(|a| a.name() == name && a.value() == value)));
            }
        }
    }
    selected
}

/// Concatenates the text of every descendant text node, trimmed.
fn text_content(node: Node<'_, '_>) -> String {
    let text: String = node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEDM: &str = r#"<?xml version="1.0"?>
<prdcfgdyn:ProductConfigDyn xmlns:prdcfgdyn="urn:a" xmlns:dd="urn:b">
  <prdcfgdyn:ProductInformation>
    <dd:Version><dd:Revision>TJP1FN2242AR</dd:Revision><dd:Date>2022-10-21</dd:Date></dd:Version>
    <dd:SerialNumber>CNBRS12345</dd:SerialNumber>
  </prdcfgdyn:ProductInformation>
  <item kind="boot" id="1"><v>1.1</v></item>
  <item kind="main" id="2"><v>2.2</v></item>
</prdcfgdyn:ProductConfigDyn>"#;

    fn select(path: &str) -> Option<String> {
        let document = Document::parse(LEDM).unwrap();
        XPath::parse(path).unwrap().select(&document)
    }

    #[test]
    fn absolute_path_ignores_prefixes() {
        assert_eq!(select("/ProductConfigDyn/ProductInformation/Version/Date").as_deref(), Some("2022-10-21"));
        assert_eq!(select("/prdcfgdyn:ProductConfigDyn/prdcfgdyn:ProductInformation/dd:SerialNumber").as_deref(), Some("CNBRS12345"));
    }

    #[test]
    fn descendant_and_predicates() {
        assert_eq!(select("//Revision").as_deref(), Some("TJP1FN2242AR"));
        assert_eq!(select("//item[@kind='main']/v").as_deref(), Some("2.2"));
        assert_eq!(select("//item[1]/v").as_deref(), Some("1.1"));
        assert_eq!(select("//item[2]/@id").as_deref(), Some("2"));
        assert_eq!(select("/*/ProductInformation/*/Revision").as_deref(), Some("TJP1FN2242AR"));
    }

    #[test]
    fn missing_node_is_none() {
        assert_eq!(select("//Nothing"), None);
        assert_eq!(select("//item[3]/v"), None);
    }

    #[test]
    fn invalid_paths_are_rejected() {
        assert!(XPath::parse("Version").is_err());
        assert!(XPath::parse("/a//").is_err());
        assert!(XPath::parse("/a/@b/c").is_err());
        assert!(XPath::parse("/a[0]").is_err());
        assert!(XPath::parse("/a[@b=c]").is_err());
        assert!(XPath::parse("/a[@b='c'").is_err());
    }
}
