"""What a person looks at after training or grading: pictures, the JSON card, the HTML page."""
