pub fn cli(_args: &[String]) -> i32 { 2 }
