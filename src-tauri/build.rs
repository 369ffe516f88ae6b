// Capabilities live in src-tauri/ (the package root is the repository root),
// so tauri-build needs the pattern, and we must declare the reruns ourselves.
fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=ui");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let attrs = tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*");
    if let Err(e) = tauri_build::try_build(attrs) {
        eprintln!("tauri-build: {e:#}");
        std::process::exit(1);
    }
}
