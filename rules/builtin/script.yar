/*
 * Windows script content hidden in other files.
 *
 * Why: scripts are not allowed through the station (the file-type policy
 * refuses .vbs, .js, .ps1, .hta, ...), so malware hides them in files the
 * policy lets pass: text files, XML members of documents, images with a
 * script appended, renamed files. These rules find the script wherever it
 * is, and block with the reason "hidden script".
 *
 * Known limits, common to all: obfuscation defeats them (string
 * concatenation, caret escapes in cmd, Base64 layers, character codes), as
 * does compression (zip members are scanned, PDF streams are not).
 * Documentation, security tooling and YARA rule files that quote these
 * constructs are blocked too.
 */

/*
 * Windows Script Host: VBScript or JScript creating a WScript.Shell (run
 * commands, write the registry) or a Shell.Application (ShellExecute).
 *
 * Match: CreateObject/ActiveXObject/GetObject("WScript.Shell"); or the
 * WScript.Shell name with a .Run/.Exec call in the same file; or
 * Shell.Application created and its ShellExecute called.
 */
rule Sluice_Script_WSH : script
{
    meta:
        description = "Windows Script Host code (WScript.Shell, Shell.Application)"
        sluice_action = "block"
        sluice_reason = "hidden script"
        author = "Sluice"

    strings:
        $create_shell = /(CreateObject|ActiveXObject|GetObject)[ \t]*\([ \t]*["']WScript\.Shell["']/ nocase
        $wscript_shell = "WScript.Shell" nocase
        $run = /\.(Run|Exec)[ \t]*[( "]/ nocase
        $create_app = /(CreateObject|ActiveXObject)[ \t]*\([ \t]*["']Shell\.Application["']/ nocase
        $shellexecute = ".ShellExecute" nocase

    condition:
        $create_shell or ($wscript_shell and $run) or ($create_app and $shellexecute)
}

/*
 * PowerShell started with an encoded command: powershell or pwsh followed,
 * on the same line, by -EncodedCommand or any prefix PowerShell accepts
 * (-e, -ec, -en, -enc, ...), with "-" or "/", and a Base64 argument of at
 * least 20 characters.
 *
 * Known limits: a command line split over several lines, or built from
 * variables, is missed.
 */
rule Sluice_Script_PowerShell_Encoded : script powershell
{
    meta:
        description = "PowerShell with an encoded command (-EncodedCommand)"
        sluice_action = "block"
        sluice_reason = "hidden script"
        author = "Sluice"

    strings:
        $encoded = /(powershell|pwsh)(\.exe)?["']?[ \t][^\r\n]{0,200}[\-\/]e(c|n(c(o(d(e(d(c(o(m(m(a(nd?)?)?)?)?)?)?)?)?)?)?)?)?[ \t]+["']?[A-Za-z0-9+\/]{20}/ nocase

    condition:
        $encoded
}

/*
 * PowerShell download cradles: code fetched from the network and run in
 * memory, or fetched to disk and started.
 *
 * Match: IEX/Invoke-Expression within 1 KiB (either side) of a download:
 * DownloadString, DownloadData, Net.WebClient, Invoke-WebRequest/iwr,
 * Invoke-RestMethod/irm; or DownloadFile followed within 1 KiB by
 * Start-Process or Invoke-Item.
 *
 * The distance is checked on match offsets rather than with one regular
 * expression spanning 1 KiB, which would cost 1 KiB of work per token
 * and let a file of repeated tokens run into the timeout. Beyond 1000
 * occurrences of either side, plain co-occurrence in the file decides.
 *
 * Known limits: longer scripts that download in one place and run far
 * away are missed; so are BITS and certutil downloads.
 */
rule Sluice_Script_PowerShell_Cradle : script powershell
{
    meta:
        description = "PowerShell download cradle (IEX with DownloadString / WebClient)"
        sluice_action = "block"
        sluice_reason = "hidden script"
        author = "Sluice"

    strings:
        $run = /\b(iex|invoke-expression)\b/ nocase
        $download = /(DownloadString|DownloadData|Net\.WebClient|Invoke-WebRequest|Invoke-RestMethod|\biwr\b|\birm\b)/ nocase
        $download_file = "DownloadFile" nocase
        $start = /(Start-Process|Invoke-Item)/ nocase

    condition:
        ($run and $download and (#run > 1000 or #download > 1000)) or
        (#run <= 1000 and #download <= 1000 and
            for any i in (1 .. #download) : ($run in (@download[i] - 1024 .. @download[i] + 1024))) or
        ($download_file and $start and (#download_file > 1000 or #start > 1000)) or
        (#download_file <= 1000 and #start <= 1000 and
            for any i in (1 .. #download_file) : ($start in (@download_file[i] .. @download_file[i] + 1024)))
}

/*
 * HTML Applications (HTA): HTML run by mshta.exe with full user rights,
 * and Windows Script Files (WSF): XML jobs run by wscript.exe.
 *
 * Match: the <HTA:APPLICATION> element; or a <job> element with a
 * <script language="VBScript|JScript"> block.
 *
 * Known limits: an HTA without the HTA:APPLICATION element (mshta runs
 * plain HTML too) is seen only if its script matches another rule here.
 */
rule Sluice_Script_HTA : script
{
    meta:
        description = "HTML Application (HTA) or Windows Script File (WSF) markup"
        sluice_action = "block"
        sluice_reason = "hidden script"
        author = "Sluice"

    strings:
        $hta = "<HTA:APPLICATION" nocase
        $job = /<job[\s>]/ nocase
        $wsf_script = /<script[ \t\r\n]+language[ \t]*=[ \t]*["']?(VBScript|JScript)/ nocase

    condition:
        $hta or ($job and $wsf_script)
}
