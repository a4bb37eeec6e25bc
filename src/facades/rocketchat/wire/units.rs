//! Units and their monitors as Rocket.Chat's Enterprise API writes them
//! (`IOmnichannelBusinessUnit`, `ILivechatUnitMonitor` in `packages/core-typings`): the unit
//! lives in the department collection with `type: "u"`, its counters beside it.

use serde::Serialize;

/// A unit document: `_id`, then the fields `createOrUpdateUnit` writes, then `_updatedAt`.
#[derive(Debug, Serialize)]
pub struct UnitOut<'a> {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: &'a str,
    pub visibility: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "numMonitors")]
    pub num_monitors: usize,
    #[serde(rename = "numDepartments")]
    pub num_departments: usize,
    #[serde(rename = "_updatedAt")]
    pub updated_at: String,
}

/// `GET livechat/units/:id`: the document and `success`.
#[derive(Debug, Serialize)]
pub struct UnitAnswer<'a> {
    #[serde(flatten)]
    pub unit: UnitOut<'a>,
    pub success: bool,
}

/// What `createOrUpdateUnit` returns (`{...record, _id}`), then `success`.
#[derive(Debug, Serialize)]
pub struct SavedUnit<'a> {
    pub name: &'a str,
    pub visibility: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "numMonitors")]
    pub num_monitors: usize,
    #[serde(rename = "numDepartments")]
    pub num_departments: usize,
    #[serde(rename = "_id")]
    pub id: String,
    pub success: bool,
}

/// A monitor of a unit (`LivechatUnitMonitors.saveMonitor`'s upsert: the filter's keys, then
/// the `$set`).
#[derive(Debug, Serialize)]
pub struct MonitorOut<'a> {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "monitorId")]
    pub monitor_id: &'a str,
    #[serde(rename = "unitId")]
    pub unit_id: String,
    pub username: &'a str,
    #[serde(rename = "_updatedAt")]
    pub updated_at: String,
}
