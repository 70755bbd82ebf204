/*
 * EICAR anti-virus test file.
 *
 * Why: operators and auditors check that the station blocks malware by
 * inserting a stick holding the EICAR file. It must be found whether or
 * not ClamAV is configured, and reported as a virus, as AV products do.
 *
 * Match: the 68-byte EICAR string at offset 0, optionally followed by
 * whitespace (space, tab, CR, LF, Ctrl-Z), the file being at most 128
 * bytes: the definition the EICAR organisation publishes and vendors follow.
 *
 * Limits: the string anywhere else in a file (an article quoting it) does
 * not match, on purpose. EICAR inside an archive is found when the archive
 * walker hands over the member; inside a PDF or Office document it is not.
 */
rule Sluice_EICAR_Test_File : test
{
    meta:
        description = "EICAR anti-virus test file"
        sluice_action = "infected"
        sluice_reason = "test virus (EICAR)"
        author = "Sluice"

    strings:
        $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

    condition:
        $eicar at 0 and filesize <= 128 and
        not for any i in (68 .. filesize - 1) : (
            uint8(i) != 0x20 and uint8(i) != 0x09 and uint8(i) != 0x0A and
            uint8(i) != 0x0D and uint8(i) != 0x1A
        )
}
