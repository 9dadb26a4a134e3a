//! Every binding offers every kind of the core's error table under the
//! kind's name. The Python classes are made from the table at import; their
//! type stubs are written by hand, so they are checked here against it.

use std::path::Path;

use vqueue_core::ErrorKind;

#[test]
fn python_stubs_declare_every_error_kind_in_order() {
    let stub = Path::new(env!("CARGO_MANIFEST_DIR")).join("../python/vqueue/_vqueue.pyi");
    let text = std::fs::read_to_string(&stub).expect("read the Python type stubs");
    let declared: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix("class ")?
                .split_once("(QueueError)")
                .map(|(name, _)| name)
        })
        .collect();
    let table: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        declared,
        table,
        "classes deriving from QueueError in {}",
        stub.display()
    );
}
