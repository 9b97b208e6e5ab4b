// Says on the page, in #images-status, whether every picture actually rendered: for
// readers, and for the tests that open the page in a browser.
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const shown = images.filter((image) => image.complete && image.naturalWidth > 0);
  document.getElementById("images-status").textContent =
    `pictures shown: ${shown.length} of ${images.length}`;
});
