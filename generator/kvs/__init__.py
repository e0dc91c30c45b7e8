"""KeyValueStore import files and UpdateKeys plans."""
