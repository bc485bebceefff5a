//! The README's promises stay true: its module table is the registry's, and CI installs
//! exactly the README's packages and runs exactly its test command.
//!
//! The module table is generated: after adding or changing a kind, regenerate it with
//! `UPDATE_README=1 cargo test --test engine readme::` (writes the table between the markers).

use chronus::catalog;
use chronus_modules::Registry;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_readme_module_table_matches_the_registry() {
    let mut readme = read("README.md");
    let start = readme
        .find("<!-- modules:begin -->\n")
        .expect("begin marker")
        + 23;
    let end = readme.find("<!-- modules:end -->").expect("end marker");
    let table = catalog::markdown_table(&Registry::builtin());
    let mut current = readme[start..end].to_string();
    if std::env::var_os("UPDATE_README").is_some() && current != table {
        readme.replace_range(start..end, &table);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        std::fs::write(path, &readme).unwrap();
        current = table.clone();
    }
    assert_eq!(
        current,
        table,
        "README module table is stale: regenerate it with `UPDATE_README=1 cargo test --test engine readme::`"
    );
}

#[test]
fn ci_installs_the_readme_packages_and_runs_its_test_command() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let apt = readme
        .lines()
        .find_map(|l| l.strip_prefix("sudo apt-get install -y "))
        .expect("README apt-get line");
    let ci_packages = ci
        .lines()
        .find_map(|l| l.strip_prefix("APT_PACKAGES=\""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("APT_PACKAGES in .ci/run");
    assert_eq!(apt, ci_packages);
    assert!(readme.contains("```sh\ncargo test --workspace\n```"));
    assert!(ci.lines().any(|l| l == "cargo test --workspace"));
    assert!(ci.contains("CHRONUS_REQUIRE_INTEGRATION=1"));
}
