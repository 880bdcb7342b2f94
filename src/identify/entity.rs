//! ENTITY-MIB entPhysicalTable: chassis, stack members and modules with
//! their revisions, serials and model names.

use std::collections::BTreeMap;

use crate::device::{Component, ComponentKind};
use crate::profiles::EntityColumn;
use crate::recording::Varbinds;
use crate::snmp::{Oid, oid};

/// entPhysicalEntry. Column N of row I is `ENTRY.N.I`.
pub const ENTRY: &str = "1.3.6.1.2.1.47.1.1.1.1";
pub const COLUMN_DESCR: u32 = 2;
pub const COLUMN_CLASS: u32 = 5;
pub const COLUMN_NAME: u32 = 7;
pub const COLUMN_HARDWARE_REV: u32 = 8;
pub const COLUMN_FIRMWARE_REV: u32 = 9;
pub const COLUMN_SOFTWARE_REV: u32 = 10;
pub const COLUMN_SERIAL_NUM: u32 = 11;
pub const COLUMN_MODEL_NAME: u32 = 13;

/// PhysicalClass values from ENTITY-MIB.
const CLASS_CHASSIS: i64 = 3;
const CLASS_MODULE: i64 = 9;
const CLASS_STACK: i64 = 11;

/// Maximum number of entity rows whose details are fetched and turned into
/// components, because a modular chassis can list thousands of sensors and ports.
pub const MAX_DETAILED_ROWS: usize = 64;

pub fn column(number: u32) -> Oid {
    oid(ENTRY).child(number)
}

impl EntityColumn {
    fn number(self) -> u32 {
        match self {
            EntityColumn::Descr => COLUMN_DESCR,
            EntityColumn::Name => COLUMN_NAME,
            EntityColumn::HardwareRev => COLUMN_HARDWARE_REV,
            EntityColumn::FirmwareRev => COLUMN_FIRMWARE_REV,
            EntityColumn::SoftwareRev => COLUMN_SOFTWARE_REV,
            EntityColumn::SerialNum => COLUMN_SERIAL_NUM,
            EntityColumn::ModelName => COLUMN_MODEL_NAME,
        }
    }
}

/// One entPhysicalTable row as text.
#[derive(Debug, Default, Clone)]
pub struct EntityRow {
    pub index: Vec<u32>,
    pub class: Option<i64>,
    pub cells: BTreeMap<u32, (Oid, String)>,
}

impl EntityRow {
    fn cell(&self, number: u32) -> Option<&str> {
        self.cells.get(&number).map(|(_, text)| text.as_str())
    }

    /// Returns whether the row is worth a component or a detail fetch.
    pub fn is_interesting(&self) -> bool {
        matches!(self.class, Some(CLASS_CHASSIS | CLASS_STACK | CLASS_MODULE))
            || self.cell(COLUMN_SOFTWARE_REV).is_some()
            || self.cell(COLUMN_FIRMWARE_REV).is_some()
    }

    fn label(&self) -> String {
        self.cell(COLUMN_NAME)
            .or_else(|| self.cell(COLUMN_DESCR))
            .map(str::to_string)
            .unwrap_or_else(|| {
                let index = self.index.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
                format!("entity {index}")
            })
    }
}

/// The rows of entPhysicalTable found in an observation, by index.
#[derive(Debug, Default)]
pub struct EntityTable {
    pub rows: BTreeMap<Vec<u32>, EntityRow>,
}

impl EntityTable {
    pub fn from_varbinds(varbinds: &Varbinds) -> Self {
        let entry = oid(ENTRY);
        let mut rows: BTreeMap<Vec<u32>, EntityRow> = BTreeMap::new();
        for (oid, value) in varbinds.range(entry.clone()..) {
            let Some(suffix) = oid.suffix_after(&entry) else { break };
            let Some((&column, index)) = suffix.split_first() else { continue };
            if index.is_empty() {
                continue;
            }
            let row = rows.entry(index.to_vec()).or_insert_with(|| EntityRow {
                index: index.to_vec(),
                ..EntityRow::default()
            });
            if column == COLUMN_CLASS {
                if let crate::snmp::Value::Integer(class) = value {
                    row.class = Some(*class);
                }
            } else if let Some(text) = value.to_text().and_then(|t| crate::profiles::clean_value(&t)) {
                row.cells.insert(column, (oid.clone(), text));
            }
        }
        EntityTable { rows }
    }

    /// Returns the row that represents the device. That is the first row of
    /// class chassis, else the first stack row, else the first row. Stacks
    /// list one chassis per member, and the first member represents the device.
    pub fn chassis(&self) -> Option<&EntityRow> {
        let of_class = |class| self.rows.values().find(|row| row.class == Some(class));
        of_class(CLASS_CHASSIS)
            .or_else(|| of_class(CLASS_STACK))
            .or_else(|| self.rows.values().next())
    }

    /// Returns a column of the chassis row with its OID.
    pub fn chassis_value(&self, column: EntityColumn) -> Option<(Oid, String)> {
        self.chassis()?.cells.get(&column.number()).cloned()
    }

    /// Builds one component per software or firmware revision of the first
    /// [`MAX_DETAILED_ROWS`] rows that [`EntityRow::is_interesting`] accepts,
    /// in index order.
    pub fn components(&self) -> Vec<Component> {
        let mut components = Vec::new();
        let interesting = self.rows.values().filter(|row| row.is_interesting());
        for row in interesting.take(MAX_DETAILED_ROWS) {
            let is_module = row.class == Some(CLASS_MODULE);
            let label = row.label();
            if let Some((oid, version)) = row.cells.get(&COLUMN_SOFTWARE_REV) {
                let kind = if is_module { ComponentKind::Module } else { ComponentKind::Os };
                components.push(Component::new(label.clone(), kind, version.clone(), format!("snmp:{oid}")));
            }
            if let Some((oid, version)) = row.cells.get(&COLUMN_FIRMWARE_REV) {
                let kind = if is_module { ComponentKind::Module } else { ComponentKind::Firmware };
                components.push(Component::new(format!("{label} firmware"), kind, version.clone(), format!("snmp:{oid}")));
            }
        }
        components
    }
}
