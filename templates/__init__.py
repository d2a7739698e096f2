"""Built-in brief templates (Jinja2 Markdown). Copy one, edit it, and point [briefs] templates_dir at
its directory, or pass the file with --template."""
