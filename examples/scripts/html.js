// k6/html: parse a page, walk it with jQuery-like Selections, and serialize
// its login form as a browser would submit it.
import { parseHTML } from 'k6/html';

export const options = { iterations: 1 };

const page = `<html><head><title>Shop</title></head><body>
  <ul id="products"><li data-price="3">tea</li><li data-price="5" class="sale">coffee</li><li data-price="2">water</li></ul>
  <form id="login" action="/login">
    <input name="user" value="ada"><input name="password" type="password" value="s3cret">
    <input type="checkbox" name="remember" checked><select name="lang"><option>en</option><option selected>fr</option></select>
    <input type="submit" name="go" value="Log in">
  </form></body></html>`;

export default function () {
  const doc = parseHTML(page);
  console.log(`title: ${doc.find('title').text()}`);
  const items = doc.find('#products li').map((i, el) => `${el.textContent()}=${el.getAttribute('data-price')}`);
  console.log(`products: ${items.join(', ')}`);
  console.log(`on sale: ${doc.find('.sale').text()} at ${doc.find('.sale').data('price')}`);
  const form = doc.find('#login');
  console.log(`form: ${form.serialize()}`);
  console.log(`as an object: ${JSON.stringify(form.serializeObject())}`);
}
