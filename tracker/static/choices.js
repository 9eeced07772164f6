// Fills the organizations offered by a field the first time it is used: the list (600 organizations at national
// scale) is fetched once from the URL in its data-choices, not written into every page that has such a field.
// A file of its own, because the pages' Content-Security-Policy allows no inline script. Without it, or before it
// has answered, the field still takes a code, an abbreviation or a part of a name.
"use strict";

for (const input of document.querySelectorAll("input[data-choices]")) {
  const fill = async () => {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list || list.dataset.filled) return;
    list.dataset.filled = "yes";
    try {
      const response = await fetch(input.dataset.choices, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.statusText);
      for (const { code, name } of await response.json()) {
        const option = document.createElement("option");
        option.value = code;
        option.textContent = name;
        list.append(option);
      }
    } catch {
      delete list.dataset.filled; // asked again the next time the field is used
    }
  };
  input.addEventListener("focus", fill);
  input.addEventListener("input", fill);
}
