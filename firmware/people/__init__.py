"""The people Siaran reaches: numbers, contacts, contact-list import, wilayah, audiences, privacy."""
