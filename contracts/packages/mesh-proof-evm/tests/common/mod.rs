#![allow(dead_code)]
pub mod anvil;
