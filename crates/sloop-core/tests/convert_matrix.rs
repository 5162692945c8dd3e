//! Every example in every writable format: a conversion that reports no loss
//! must read back to exactly the same objectives, and one that reports losses
//! must still read back (what it kept is valid).

use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format, WRITABLE};

fn examples() -> Vec<SourceFile> {
    let root = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["sloop", "reliably", "openslo", "sloth", "pyrra"] {
        let mut names: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")))
            .collect();
        names.sort();
        for p in names {
            files.push(SourceFile::new(p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    assert!(files.len() >= 15, "examples are missing: {}", files.len());
    files
}

#[test]
fn lossless_conversions_round_trip_exactly() {
    let mut lossless = 0;
    for file in examples() {
        let original = spec::load(std::slice::from_ref(&file)).unwrap_or_else(|e| panic!("{}: {e:?}", file.name));
        for format in WRITABLE {
            let written = match spec::write(&original.manifest, format) {
                Ok(w) => w,
                // Nothing of this file can be expressed (e.g. Datadog to Sloth): said, not silent.
                Err(sloop_core::Error::Unwritable { .. }) => continue,
                Err(e) => panic!("{} → {format}: {e}", file.name),
            };
            let back = spec::load(&[SourceFile::new("converted.yaml", written.text.clone())])
                .unwrap_or_else(|e| panic!("{} → {format} does not read back: {e:?}\n{}", file.name, written.text));
            if written.losses.is_empty() {
                lossless += 1;
                assert_eq!(
                    back.manifest.objectives, original.manifest.objectives,
                    "{} → {format} reported no loss but changed:\n{}",
                    file.name, written.text
                );
            } else {
                assert!(
                    back.manifest.objectives.len() <= original.manifest.objectives.len(),
                    "{} → {format}",
                    file.name
                );
            }
        }
    }
    // sloop's own format expresses everything: at least one lossless conversion per example.
    assert!(lossless >= 15, "only {lossless} lossless conversions");
}

#[test]
fn sloop_format_expresses_every_example() {
    for file in examples() {
        let original = spec::load(std::slice::from_ref(&file)).unwrap();
        let written = spec::write(&original.manifest, Format::Sloop).unwrap();
        assert!(written.losses.is_empty(), "{}: {:?}", file.name, written.losses);
    }
}
