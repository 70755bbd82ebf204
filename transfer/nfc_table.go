// Code generated from the Unicode 14.0.0 character database (canonical
// compositions whose result lies in U+00C0-U+024F or U+1E00-U+1EFF). DO NOT EDIT.

package transfer

// latinCompositions lists, for each combining mark, the letters it
// composes with (bases) and the precomposed letters (composed), position by
// position: bases[i] + mark = composed[i].

var latinCompositions = []struct {
	mark            rune
	bases, composed string
}{
	{0x0300, "AEIOUaeiouÜüNnĒēŌōWwÂâĂăÊêÔôƠơƯưYy",
		"ÀÈÌÒÙàèìòùǛǜǸǹḔḕṐṑẀẁẦầẰằỀềỒồỜờỪừỲỳ"},
	{0x0301, "AEIOUYaeiouyCcLlNnRrSsZzÜüGgÅåÆæØøÇçĒēÏïKkMmÕõŌōPpŨũWwÂâĂăÊêÔôƠơƯư",
		"ÁÉÍÓÚÝáéíóúýĆćĹĺŃńŔŕŚśŹźǗǘǴǵǺǻǼǽǾǿḈḉḖḗḮḯḰḱḾḿṌṍṒṓṔṕṸṹẂẃẤấẮắẾếỐốỚớỨứ"},
	{0x0302, "AEIOUaeiouCcGgHhJjSsWwYyZzẠạẸẹỌọ",
		"ÂÊÎÔÛâêîôûĈĉĜĝĤĥĴĵŜŝŴŵŶŷẐẑẬậỆệỘộ"},
	{0x0303, "ANOanoIiUuVvÂâĂăEeÊêÔôƠơƯưYy",
		"ÃÑÕãñõĨĩŨũṼṽẪẫẴẵẼẽỄễỖỗỠỡỮữỸỹ"},
	{0x0304, "AaEeIiOoUuÜüÄäȦȧÆæǪǫÖöÕõȮȯYyGgḶḷṚṛ",
		"ĀāĒēĪīŌōŪūǕǖǞǟǠǡǢǣǬǭȪȫȬȭȰȱȲȳḠḡḸḹṜṝ"},
	{0x0306, "AaEeGgIiOoUuȨȩẠạ",
		"ĂăĔĕĞğĬĭŎŏŬŭḜḝẶặ"},
	{0x0307, "CcEeGgIZzAaOoBbDdFfHhMmNnPpRrSsŚśŠšṢṣTtWwXxYyſ",
		"ĊċĖėĠġİŻżȦȧȮȯḂḃḊḋḞḟḢḣṀṁṄṅṖṗṘṙṠṡṤṥṦṧṨṩṪṫẆẇẊẋẎẏẛ"},
	{0x0308, "AEIOUaeiouyYHhÕõŪūWwXxt",
		"ÄËÏÖÜäëïöüÿŸḦḧṎṏṺṻẄẅẌẍẗ"},
	{0x0309, "AaÂâĂăEeÊêIiOoÔôƠơUuƯưYy",
		"ẢảẨẩẲẳẺẻỂểỈỉỎỏỔổỞởỦủỬửỶỷ"},
	{0x030A, "AaUuwy",
		"ÅåŮůẘẙ"},
	{0x030B, "OoUu",
		"ŐőŰű"},
	{0x030C, "CcDdEeLlNnRrSsTtZzAaIiOoUuÜüGgKkƷʒjHh",
		"ČčĎďĚěĽľŇňŘřŠšŤťŽžǍǎǏǐǑǒǓǔǙǚǦǧǨǩǮǯǰȞȟ"},
	{0x030F, "AaEeIiOoRrUu",
		"ȀȁȄȅȈȉȌȍȐȑȔȕ"},
	{0x0311, "AaEeIiOoRrUu",
		"ȂȃȆȇȊȋȎȏȒȓȖȗ"},
	{0x031B, "OoUu",
		"ƠơƯư"},
	{0x0323, "BbDdHhKkLlMmNnRrSsTtVvWwZzAaEeIiOoƠơUuƯưYy",
		"ḄḅḌḍḤḥḲḳḶḷṂṃṆṇṚṛṢṣṬṭṾṿẈẉẒẓẠạẸẹỊịỌọỢợỤụỰựỴỵ"},
	{0x0324, "Uu",
		"Ṳṳ"},
	{0x0325, "Aa",
		"Ḁḁ"},
	{0x0326, "SsTt",
		"ȘșȚț"},
	{0x0327, "CcGgKkLlNnRrSsTtEeDdHh",
		"ÇçĢģĶķĻļŅņŖŗŞşŢţȨȩḐḑḨḩ"},
	{0x0328, "AaEeIiUuOo",
		"ĄąĘęĮįŲųǪǫ"},
	{0x032D, "DdEeLlNnTtUu",
		"ḒḓḘḙḼḽṊṋṰṱṶṷ"},
	{0x032E, "Hh",
		"Ḫḫ"},
	{0x0330, "EeIiUu",
		"ḚḛḬḭṴṵ"},
	{0x0331, "BbDdKkLlNnRrTtZzh",
		"ḆḇḎḏḴḵḺḻṈṉṞṟṮṯẔẕẖ"},
}
