/*
 * Office macros: VBA projects, Excel 4.0 (XLM) macro sheets and
 * LibreOffice Basic/script libraries.
 *
 * Why: documents that run code on opening are the most common way malware
 * crosses the air gap into a plant. The station's policy is that office
 * documents may pass, macros may not: every rule here blocks, with the
 * reason "contains a macro", and never tries to judge whether the macro is
 * malicious.
 *
 * The rules see the raw bytes of each object. An OOXML or ODF document is
 * a zip: the container rules read the member names in its headers, and the
 * archive walker also hands each member over on its own, where the member
 * rules (OLE project, content types, relationships) apply.
 */

/*
 * A VBA project in an OLE2 compound file: .doc, .xls, .dot, .xla, Visio
 * and Project files, and the vbaProject.bin member inside OOXML.
 *
 * Match: the OLE2 magic at offset 0 and one of
 *   - the _VBA_PROJECT stream name as UTF-16LE, as directory entries store
 *     it (case-insensitive: Office looks names up that way, and so can
 *     tools that rewrite them);
 *   - the directory entries of a "VBA" storage and a "dir" stream (name,
 *     name length and object type, 128-byte entry layout);
 *   - the start of a compressed module source ("Attribute VB_Name" in the
 *     MS-OVBA compressed form).
 *
 * Known limits: PowerPoint 97-2003 (.ppt) keeps its VBA project compressed
 * inside the "PowerPoint Document" stream, so a .ppt macro is not seen. An
 * empty VBA project (macros deleted, project kept) is still blocked. A
 * Word document whose text quotes "_VBA_PROJECT" is blocked (false
 * positive, rare).
 */
rule Sluice_Office_VBA_OLE : office macro
{
    meta:
        description = "VBA macro project in an OLE2 (Office 97-2003) file"
        sluice_action = "block"
        sluice_reason = "contains a macro"
        author = "Sluice"

    strings:
        $vba_project = "_VBA_PROJECT" wide nocase
        // "VBA\0" in UTF-16, padding to 64 bytes, name length 8, storage
        $vba_storage = { 56 00 42 00 41 00 00 00 [56] 08 00 01 }
        // "dir\0" in UTF-16, padding to 64 bytes, name length 8, stream
        $dir_stream = { 64 00 69 00 72 00 00 00 [56] 08 00 02 }
        // flag byte, "Attribut", flag byte, "e VB_Nam": a compressed
        // module source always begins this way
        $module_source = { 00 41 74 74 72 69 62 75 74 00 65 20 56 42 5F 4E 61 6D }

    condition:
        uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and
        ($vba_project or $module_source or ($vba_storage and $dir_stream))
}

/*
 * A VBA project or an Excel 4.0 macro sheet in an OOXML zip (.docm, .xlsm,
 * .xlsb, .pptm, .dotm, .xlam, or any of them renamed to .docx/.xlsx).
 *
 * Match: a zip (local file header at offset 0) naming a vbaProject.bin
 * member or a member under macrosheets/. Member names are stored
 * uncompressed in the local and central headers.
 *
 * Known limits: a project stored under another member name is caught by
 * Sluice_Office_Macro_Parts and Sluice_Office_VBA_OLE on the members, not
 * here. A zip with data prepended before the first header is not matched
 * here (Office does not open such files either).
 */
rule Sluice_Office_Macro_OOXML : office macro
{
    meta:
        description = "OOXML document with a VBA project or an Excel 4.0 macro sheet"
        sluice_action = "block"
        sluice_reason = "contains a macro"
        author = "Sluice"

    strings:
        $vba_bin = "vbaProject.bin" nocase
        $macro_sheets = "macrosheets/" nocase

    condition:
        uint32(0) == 0x04034B50 and any of them
}

/*
 * OOXML package parts that declare macros: [Content_Types].xml and
 * relationship (.rels) members, as the archive walker hands them over.
 *
 * Match: a part recognised by its file name or its OPC namespace, naming
 * the VBA project content type or relationship, a macro-enabled main part
 * type, or an Excel 4.0 macro sheet type or relationship.
 *
 * Known limits: a macro-enabled format saved without macros (.xlsm with no
 * project) is blocked too: its type says it may carry macros, and the
 * operator can save it as .xlsx. The .xlsb type ("sheet.binary.
 * macroEnabled") is deliberately not counted: every .xlsb has it, macros or
 * not; an .xlsb with a project is still caught by its vbaProject.bin.
 */
rule Sluice_Office_Macro_Parts : office macro
{
    meta:
        description = "OOXML content types or relationships declaring macros"
        sluice_action = "block"
        sluice_reason = "contains a macro"
        author = "Sluice"

    strings:
        $types_ns = "schemas.openxmlformats.org/package/2006/content-types"
        $rels_ns = "schemas.openxmlformats.org/package/2006/relationships"

        $vba_type = "vnd.ms-office.vbaProject" nocase
        $vba_rel = "/relationships/vbaProject" nocase
        $macro_enabled = /vnd\.ms-[a-z]{4,10}\.(document|template|sheet|addin|presentation|slideshow|slide)\.macroEnabled/ nocase
        $xlm_type = /vnd\.ms-excel\.(intl)?macrosheet/ nocase
        $xlm_rel = /\/relationships\/xl(Intl)?Macrosheet/ nocase

    condition:
        (filename == "[Content_Types].xml" or filename matches /\.rels$/i or
         $types_ns or $rels_ns) and
        any of ($vba_*, $macro_enabled, $xlm_*)
}

/*
 * Excel 4.0 (XLM) macro sheet in a BIFF8 workbook (.xls, .xlt, .xla).
 *
 * Why: XLM macros need no VBA project, run on opening (Auto_Open), and are
 * a favourite of malware because VBA-only checks miss them.
 *
 * Match: an OLE2 file holding a BOUNDSHEET record (type 0x0085) whose sheet
 * type is 1 (macro sheet), visible, hidden or very hidden, and whose
 * record length agrees with its sheet name length, so that random bytes
 * do not pass.
 *
 * Known limits: BIFF5 workbooks (Excel 95) use another record layout and
 * are not covered; neither are XLM formulas hidden in ordinary worksheets
 * without a macro sheet, which Excel does not run.
 */
rule Sluice_Excel_XLM_BIFF : office macro
{
    meta:
        description = "Excel 4.0 (XLM) macro sheet in an .xls workbook"
        sluice_action = "block"
        sluice_reason = "contains a macro"
        author = "Sluice"

    strings:
        // type 0x0085, length < 256, stream offset, state 0-2, type 1,
        // name length, high-byte flag
        $boundsheet = { 85 00 ?? 00 ?? ?? ?? ?? (00 | 01 | 02) 01 ?? (00 | 01) }

    condition:
        uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and
        for any i in (1 .. #boundsheet) : (
            uint8(@boundsheet[i] + 10) > 0 and
            uint16(@boundsheet[i] + 2) ==
                8 + uint8(@boundsheet[i] + 10) * (1 + uint8(@boundsheet[i] + 11))
        )
}

/*
 * Excel 4.0 macro formulas in a SYLK file (.slk), which Excel opens
 * without a macro prompt in older versions.
 *
 * Match: the SYLK header "ID;P" at offset 0 and a cell record carrying an
 * expression with a function that runs code: EXEC, CALL, REGISTER or RUN.
 *
 * Known limits: other XLM functions (FOPEN/FWRITE droppers) are not
 * listed; CSV and SYLK DDE formulas (=cmd|...) are not covered.
 */
rule Sluice_Excel_XLM_SYLK : office macro
{
    meta:
        description = "SYLK spreadsheet with Excel 4.0 macro formulas"
        sluice_action = "block"
        sluice_reason = "contains a macro"
        author = "Sluice"

    strings:
        $header = "ID;P"
        // ";E" starts the cell's expression; the function may come first
        // or after any non-identifier character
        $exec = /\nC;[^\r\n]{0,64};E([^\r\n]{0,256}[^A-Za-z0-9_.])?(EXEC|CALL|REGISTER|RUN)\(/ nocase

    condition:
        $header at 0 and $exec
}

/*
 * ActiveMime (.mso) blobs: how Word 2003 XML, MHTML ("single file web
 * page") and some .doc variants carry a compressed VBA project.
 *
 * Match: "ActiveMime" at offset 0 (a bare .mso), or the base64 of its
 * start anywhere (editdata.mso inside XML or MIME text).
 *
 * Known limits: base64 split across lines within its first 14 characters
 * (not seen in practice: encoders wrap at 64 or 76) is missed.
 */
rule Sluice_Office_ActiveMime : office macro
{
    meta:
        description = "ActiveMime blob carrying a VBA project (Word XML, MHTML)"
        sluice_action = "block"
        sluice_reason = "contains a macro"
        author = "Sluice"

    strings:
        $raw = "ActiveMime"
        $base64 = "QWN0aXZlTWltZQ"

    condition:
        $raw at 0 or $base64
}

/*
 * LibreOffice/OpenOffice documents with Basic macros or script libraries.
 *
 * Match: an ODF zip (its uncompressed "mimetype" member first, as the
 * standard requires) naming Basic library files or a Scripts/<language>/
 * folder.
 *
 * Known limits: a document carrying an empty Basic library (created by
 * opening the macro organiser, no code) is blocked too.
 */
rule Sluice_ODF_Macro : office macro
{
    meta:
        description = "OpenDocument file with Basic macros or scripts"
        sluice_action = "block"
        sluice_reason = "contains a macro"
        author = "Sluice"

    strings:
        $odf = "mimetypeapplication/vnd.oasis.opendocument"
        $basic = /Basic\/[^\/\x00]{1,64}\/script-lb\.xml/
        $basic_container = "Basic/script-lc.xml"
        $scripts = /Scripts\/(python|beanshell|javascript|java)\//

    condition:
        uint32(0) == 0x04034B50 and $odf in (0 .. 64) and
        ($basic or $basic_container or $scripts)
}
