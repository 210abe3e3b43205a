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

const form = "`<form id=\"f\">" +
	`<input name="user" value="ada lovelace"><input name="pass" type="password" value="s&cret">` +
	`<input name="off" value="x" disabled><input value="no name">` +
	`<input type="checkbox" name="remember" checked><input type="checkbox" name="spam" value="yes">` +
	`<input type="radio" name="plan" value="free"><input type="radio" name="plan" value="pro" checked>` +
	`<select name="langs" multiple><option selected>go</option><option value="js" selected>JavaScript</option><option>c</option></select>` +
	`<select name="one"><option value="1">One</option><option value="2">Two</option></select>` +
	`<textarea name="bio">hi there</textarea>` +
	`<input type="submit" name="go" value="Go"><input type="file" name="upload"><button name="b" value="v">B</button>` +
	"</form>`"

func TestSerialize(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import { parseHTML } from 'k6/html';
		export const options = { iterations: 1 };
		export default function () {
			const f = parseHTML(`+form+`).find('#f');
			console.log(JSON.stringify(f.serializeArray()));
			console.log(JSON.stringify(f.serializeObject()));
			console.log(f.serialize());
			console.log(f.find('input').serialize());
			console.log(f.find('textarea, select').serialize() + ' ' + f.find('button').val());
			console.log(JSON.stringify(parseHTML('<p>x</p>').find('p').serializeArray()) + ' "' + parseHTML('<p>x</p>').serialize() + '"');
		}`, nil)
	require.NoError(t, out.Err, "%v", out.Logged)
	require.Empty(t, out.Logged)
	assert.Equal(t, []string{
		`[{"name":"user","value":"ada lovelace"},{"name":"pass","value":"s&cret"},{"name":"remember","value":"on"},` +
			`{"name":"plan","value":"pro"},{"name":"langs","value":["go","js"]},{"name":"one","value":"1"},{"name":"bio","value":"hi there"}]`,
		`{"user":"ada lovelace","pass":"s&cret","remember":"on","plan":"pro","langs":["go","js"],"one":"1","bio":"hi there"}`,
		"bio=hi+there&langs=go&langs=js&one=1&pass=s%26cret&plan=pro&remember=on&user=ada+lovelace",
		"pass=s%26cret&plan=pro&remember=on&user=ada+lovelace",
		"bio=hi+there&langs=go&langs=js&one=1 v",
		`[] ""`,
	}, out.Console)
}

func TestTraversalArguments(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import { parseHTML } from 'k6/html';
		export const options = { iterations: 1 };
		export default function () {
			const d = parseHTML('<ul id="u"><li id="a">A</li><li id="b" class="x">B</li><li id="c">C</li><li id="d" class="x">D</li><li id="e">E</li></ul><p>P</p>');
			const ids = (s) => s.map((i, el) => el.id()).join(',');
			const a = d.find('#a'), e = d.find('#e');
			console.log('nextUntil=' + ids(a.nextUntil('#d')) + ' filtered=' + ids(a.nextUntil('#e', '.x')) + ' all=' + ids(a.nextUntil()) + ' sel=' + ids(a.nextUntil(d.find('#c'))));
			console.log('prevUntil=' + ids(e.prevUntil('#b')) + ' filtered=' + ids(e.prevUntil(null, '.x')) + ' sel=' + ids(e.prevUntil(d.find('#c'), 'li')));
			console.log('parentsUntil=' + d.find('#b').parentsUntil('html').map((i, el) => el.nodeName()).join(',') + ' ' + d.find('#b').parentsUntil(d.find('body')).size());
			console.log('add=' + ids(a.add('#c').add(d.find('#e')).add(d.find('#b').get(0))) + ' end=' + ids(d.find('ul').find('li').end().end().find('#b')));
			const b = d.find('#b').get(0);
			console.log('find=' + ids(d.find('ul').find(d.find('.x'))) + ' ' + ids(d.find('ul').find(b)) + ' has=' + d.find('ul, p').has(b).size() + ' closest=' + d.find('#b').closest(d.find('ul')).attr('id'));
			console.log('not=' + ids(d.find('li').not(d.find('.x'))) + ' ' + ids(d.find('li').not(b)) + ' ' + ids(d.find('li').not((i) => i > 0)));
			console.log('is=' + d.find('li').is(b) + ' ' + d.find('#a').is(d.find('.x')) + ' ' + d.find('li').is((i, el) => el.id() === 'e') + ' filter=' + ids(d.find('li').filter(d.find('.x'))));
			try { d.find(undefined); } catch (err) { console.log(err.name + ': ' + err.message); }
			console.log('plain object: ' + d.find({}).size());
		}`, nil)
	require.NoError(t, out.Err, "%v", out.Logged)
	require.Empty(t, out.Logged)
	assert.Equal(t, []string{
		"nextUntil=b,c filtered=b,d all=b,c,d,e sel=b",
		"prevUntil=d,c filtered=d,b sel=d",
		"parentsUntil=ul,body 1",
		"add=a,c,e,b end=b",
		"find=b,d b has=1 closest=u",
		"not=a,c,e a,c,d,e a",
		"is=true false true filter=b,d",
		"TypeError: Invalid argument: Cannot use a undefined as a selector",
		"plain object: 0",
	}, out.Console)
}
