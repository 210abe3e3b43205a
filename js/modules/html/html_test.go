package html_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/html"
	"github.com/minik6/minik6/minik6test"
)

const doc = "`<html><head><title>T</title></head><body>" +
	`<div id="a" class="box big" data-n="5" data-long-name="x"><p>one</p><p class="x">two</p></div>` +
	`<a href="/1">L1</a><a href="/2">L2</a>` +
	`<select id="s"><option value="a">A</option><option value="b" selected>B</option></select>` +
	`<input id="i" value="v"><textarea id="t">text</textarea>` +
	"</body></html>`"

func TestParseHTML(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import { parseHTML } from 'k6/html';
		export const options = { iterations: 1 };
		export default function () {
			const d = parseHTML(`+doc+`);
			console.log('title=' + d.find('title').text() + ' ps=' + d.find('#a p').size() + ' x=' + d.find('p.x').text() + ' len=' + d.find('p').length);
			console.log('attr=' + d.find('#a').attr('class') + ' data=' + d.find('#a').data('n') + ' ' + (typeof d.find('#a').data('n')) + ' missing=' + d.find('#a').attr('nope') + ' def=' + d.find('#a').attr('nope', 'd'));
			console.log('all=' + JSON.stringify(d.find('#a').data()));
			const hrefs = [];
			d.find('a').each((i, el) => hrefs.push(i + ':' + el.getAttribute('href') + ':' + el.textContent()));
			console.log('each=' + hrefs.join(','));
			console.log('children=' + d.find('#a').children().size() + ' first=' + d.find('#a').children().first().text() + ' last=' + d.find('#a').children().last().text());
			console.log('val=' + d.find('#s').val() + ' ' + d.find('#i').val() + ' ' + d.find('#t').val() + ' html=' + d.find('p.x').html() + ' ' + d.find('nothing').html());
			console.log('map=' + d.find('a').map((i, el) => el.getAttribute('href')).join('|') + ' get=' + d.find('a').get(-1).textContent() + ' ' + d.find('a').get().length);
			console.log('nav=' + d.find('p.x').parent().attr('id') + ' ' + d.find('p.x').prev().text() + ' ' + d.find('p').first().next().text() + ' ' + d.find('p.x').closest('div').attr('id') + ' ' + d.find('p').is('.x') + ' ' + d.find('p').not('.x').text() + ' ' + d.find('p').filter('.x').text() + ' ' + d.find('p').filter((i) => i === 0).text() + ' ' + d.find('p').eq(1).text());
			const el = d.find('#a').get(0);
			console.log('el=' + el.nodeName() + ' ' + el.nodeType() + ' ' + el.id() + ' ' + el.classList().join('+') + ' ' + el.children().length + ' ' + el.hasAttribute('data-n'));
		}`, nil)
	require.NoError(t, out.Err, "%v", out.Logged)
	require.Empty(t, out.Logged)
	assert.Equal(t, []string{
		"title=T ps=2 x=two len=2",
		"attr=box big data=5 number missing=undefined def=d",
		`all={"n":5,"longName":"x"}`,
		"each=0:/1:L1,1:/2:L2",
		"children=2 first=one last=two",
		"val=b v text html=two undefined",
		"map=/1|/2 get=L2 2",
		"nav=a one two a true one two one two",
		"el=div 1 a box+big 2 true",
	}, out.Console)
}
