"""The office's configuration: the TOML file, the settings changed from the page, staff accounts."""
