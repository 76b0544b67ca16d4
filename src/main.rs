fn main() -> std::process::ExitCode {
    custodia::cli::run()
}
