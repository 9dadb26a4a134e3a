//! `uniffi-bindgen` from the workspace, so that the generated foreign code
//! always matches the scaffolding compiled into `vqueue-ffi`. Use it in
//! library mode: `uniffi-bindgen generate --library <libvqueue_ffi.so> ...`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
