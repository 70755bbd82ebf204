/*
 * PDF documents that run code, act on their own, or carry other files.
 *
 * Why: PDF is the format most often allowed into a plant, and readers
 * execute JavaScript, launch programs and open links on their own. The
 * station blocks those features; a PDF without them passes.
 *
 * All rules need "%PDF-" in the first 1024 bytes, where readers look for
 * it. PDF names may spell any character as #xx ("/J#61vaScript" is
 * "/JavaScript"), so names are matched in both spellings, and a name must
 * end at a PDF delimiter ("/AAPL:Keywords" is not "/AA").
 *
 * The regular expressions are long because of that: each character is
 * "(c|#xx)", and the first three characters of each name are written out
 * as whole alternatives ("\/Jav|\/Ja#76|..."), slash included. That gives
 * YARA atoms of 3-4 bytes to search for; with a group per character from
 * the start it falls back to 2-byte atoms or to "<<", found in every PDF
 * dictionary, and big PDFs scan ten times slower.
 *
 * Known limits, common to all: names inside compressed object streams
 * (/ObjStm, PDF 1.5+) or encrypted documents are not seen, since YARA reads
 * raw bytes and the station does not decompress PDF streams. ClamAV, when
 * configured, decodes them. XFA forms and /RichMedia (Flash) are not
 * covered.
 */

/*
 * JavaScript: a /JS action key or a /JavaScript action type or name tree.
 *
 * Known limits: fillable forms with calculation or formatting scripts
 * (common in Acrobat-made forms) are blocked too, by design.
 */
rule Sluice_PDF_JavaScript : pdf script
{
    meta:
        description = "PDF with JavaScript"
        sluice_action = "block"
        sluice_reason = "contains a script"
        author = "Sluice"

    strings:
        $pdf = "%PDF-"
        $javascript = /(\/Jav|\/Ja#76|\/J#61v|\/J#61#76|\/#4[Aa]av|\/#4[Aa]a#76|\/#4[Aa]#61v|\/#4[Aa]#61#76)(a|#61)(S|#53)(c|#63)(r|#72)(i|#69)(p|#70)(t|#74)[\x00\x09\x0A\x0C\x0D\x20()<>\[\]{}\/%]/
        $js = /(\/JS|\/J#53|\/#4[Aa]S|\/#4[Aa]#53)[\x00\x09\x0A\x0C\x0D\x20()<>\[\]{}\/%]/

    condition:
        $pdf in (0 .. 1024) and ($javascript or $js)
}

/*
 * Launch actions, which start a program or open a file with its
 * application. There is no legitimate use for them in a transferred PDF.
 */
rule Sluice_PDF_Launch : pdf
{
    meta:
        description = "PDF with a Launch action"
        sluice_action = "block"
        sluice_reason = "starts a program"
        author = "Sluice"

    strings:
        $pdf = "%PDF-"
        $launch = /(\/Lau|\/La#75|\/L#61u|\/L#61#75|\/#4[Cc]au|\/#4[Cc]a#75|\/#4[Cc]#61u|\/#4[Cc]#61#75)(n|#6[Ee])(c|#63)(h|#68)[\x00\x09\x0A\x0C\x0D\x20()<>\[\]{}\/%]/

    condition:
        $pdf in (0 .. 1024) and $launch
}

/*
 * Automatic actions: an /OpenAction or /AA (additional actions: page open,
 * field focus, ...) whose action dictionary, written inline, has the type
 * JavaScript, Launch, URI, SubmitForm or ImportData: a document that
 * opens a link, sends data or runs code without a click.
 *
 * Match: the action type (/S /URI, ...) within 256 bytes after /OpenAction
 * or /AA, with no ">" in between, so the match stays inside the
 * dictionary that opened there. A plain "/OpenAction [3 0 R /Fit]" (open
 * at page 1) does not match.
 *
 * Known limits: an automatic action given by reference ("/OpenAction 5 0
 * R") is not followed: YARA cannot resolve PDF references. JavaScript and
 * Launch are still caught by the two rules above wherever they are; an
 * automatic URI, SubmitForm or ImportData by reference is missed.
 */
rule Sluice_PDF_AutoAction : pdf
{
    meta:
        description = "PDF acting on its own when opened (JavaScript, Launch, URI, SubmitForm, ImportData)"
        sluice_action = "block"
        sluice_reason = "acts on its own when opened"
        author = "Sluice"

    strings:
        $pdf = "%PDF-"
        $auto = /(\/Ope(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/Op#65(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/O#70e(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/O#70#65(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/#4[Ff]pe(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/#4[Ff]p#65(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/#4[Ff]#70e(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/#4[Ff]#70#65(n|#6[Ee])(A|#41)(c|#63)(t|#74)(i|#69)(o|#6[Ff])(n|#6[Ee])|\/AA|\/A#41|\/#41A|\/#41#41)[\x00\x09\x0A\x0C\x0D\x20]*<<[^>]{0,256}\/(S|#53)[\x00\x09\x0A\x0C\x0D\x20]*\/((J|#4[Aa])(a|#61)(v|#76)(a|#61)(S|#53)(c|#63)(r|#72)(i|#69)(p|#70)(t|#74)|(L|#4[Cc])(a|#61)(u|#75)(n|#6[Ee])(c|#63)(h|#68)|(U|#55)(R|#52)(I|#49)|(S|#53)(u|#75)(b|#62)(m|#6[Dd])(i|#69)(t|#74)(F|#46)(o|#6[Ff])(r|#72)(m|#6[Dd])|(I|#49)(m|#6[Dd])(p|#70)(o|#6[Ff])(r|#72)(t|#74)(D|#44)(a|#61)(t|#74)(a|#61))[\x00\x09\x0A\x0C\x0D\x20()<>\[\]{}\/%]/

    condition:
        $pdf in (0 .. 1024) and $auto
}

/*
 * Embedded files (attachments, /EmbeddedFile streams and the
 * /EmbeddedFiles name tree).
 *
 * Decision: block. The station cannot open PDF attachments, and what it
 * cannot inspect it blocks (fail closed); an attachment is the simplest way
 * to smuggle an executable or a macro document inside an allowed PDF.
 *
 * Known limits: PDF/A-3 invoices (ZUGFeRD, Factur-X) embed their XML data
 * and are blocked too; send the XML on its own. An embedded file stream
 * whose optional /Type is omitted, referenced from a compressed object
 * stream, is missed.
 */
rule Sluice_PDF_EmbeddedFile : pdf
{
    meta:
        description = "PDF with an embedded file (attachment)"
        sluice_action = "block"
        sluice_reason = "contains an embedded file"
        author = "Sluice"

    strings:
        $pdf = "%PDF-"
        $embedded = /(\/Emb|\/Em#62|\/E#6[Dd]b|\/E#6[Dd]#62|\/#45mb|\/#45m#62|\/#45#6[Dd]b|\/#45#6[Dd]#62)(e|#65)(d|#64)(d|#64)(e|#65)(d|#64)(F|#46)(i|#69)(l|#6[Cc])(e|#65)(s|#73)?[\x00\x09\x0A\x0C\x0D\x20()<>\[\]{}\/%]/

    condition:
        $pdf in (0 .. 1024) and $embedded
}
