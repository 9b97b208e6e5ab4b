"""What a person looks at after training or grading: pictures, the JSON card, the HTML page.

- `canvas`: the figure every picture is drawn on, and how it is saved;
- `task_figures`, `model_figures`, `lab_figures`: the pictures of a graded
  task, of the zoo's models, and of the lab's lessons;
- `card`: the JSON card beside an export, read, written and updated;
- `scoreboard`: what the report and the terminal say of each task in words;
- `misclassified`: the held-out examples a classifier got most wrong;
- `page` with `page.html`, `page.css` and `pictures_shown.js`: the exam's
  report page, filled through `template` (which the lab's page uses too).
"""
