fn main() {
    std::process::exit(akscan::cli::main());
}
