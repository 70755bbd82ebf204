/*
 * autorun.inf: Windows AutoRun/AutoPlay instructions.
 *
 * Why: an autorun.inf copied to a share or a transfer drive can make
 * Windows propose, or on old and misconfigured hosts run, a program when
 * the drive is attached; USB worms (Conficker, Stuxnet's predecessors)
 * used it. No plant transfer needs one.
 *
 * Match: a file named autorun.inf, in any case (the "filename" external
 * variable, also set for archive members), or, whatever the name, a file
 * that starts with an [autorun] section (within its first 256 bytes, after
 * a byte order mark, blank or comment lines) holding an open=,
 * shellexecute= or shell\verb\command= line. ANSI/UTF-8 and UTF-16LE
 * files are covered, as Windows reads both.
 *
 * Known limits: a harmless autorun.inf that only sets an icon or a label
 * is blocked too, by design. Other .inf files (driver setup.inf) pass.
 */
rule Sluice_Autorun_Inf : autorun
{
    meta:
        description = "Windows autorun.inf"
        sluice_action = "block"
        sluice_reason = "autorun file"
        author = "Sluice"

    strings:
        $section = "[autorun]" nocase
        $open = /[\r\n][ \t]*open[ \t]*=/ nocase
        $shellexecute = /[\r\n][ \t]*shellexecute[ \t]*=/ nocase
        $shell_verb = /[\r\n][ \t]*shell\\[^\r\n=]{1,64}=/ nocase

        $w_section = "[autorun]" wide nocase
        $w_open = "open=" wide nocase
        $w_shellexecute = "shellexecute=" wide nocase
        $w_shell_verb = "shell\\" wide nocase

    condition:
        filename matches /^autorun\.inf[. ]*$/i or
        ($section in (0 .. 256) and ($open or $shellexecute or $shell_verb)) or
        ($w_section in (0 .. 512) and ($w_open or $w_shellexecute or $w_shell_verb))
}
