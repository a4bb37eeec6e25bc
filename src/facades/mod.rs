//! One folder per vendor. A facade imports the model, `auth` and `http`, never another facade; its
//! vendor's field names appear only inside its folder.

pub mod rocketchat;
pub mod support;
pub mod zendesk;
pub mod zopim;
