/*
 * The ICU functions QtCore imports, each answering "not supported", for the standalone binary.
 *
 * PySide6's QtCore links ICU (libicuuc, libicui18n and the 32 MB libicudata) for a handful of
 * optional services: locale-specific case mapping, collation (QCollator), time-zone display names
 * and legacy text codecs (QStringConverter beyond UTF-8/16/32 and Latin-1). sqzdesk uses none of
 * them -- documents are decoded in Python -- and Qt falls back to its own code whenever an ICU call
 * fails, exactly as in a Qt built without ICU: QLocale::toUpper/toLower use Qt's Unicode tables,
 * QCollator compares code points (case-insensitively when asked), time zones keep their IANA ids
 * as names, and only UTF/Latin-1 encodings are offered. packaging/icu_stub.py compiles this file
 * with ICU_SUFFIX set to the bundled ICU's symbol suffix (e.g. _73), checks that it defines every
 * ICU symbol libQt6Core needs, and replaces the three ICU libraries in the binary with it.
 *
 * Every function fails the way ICU reports failure: through its UErrorCode argument (set to
 * U_UNSUPPORTED_ERROR unless already a failure) or a NULL/zero result. The signatures follow ICU's
 * public C headers (unicode/ustring.h, ucal.h, ucnv.h, ucnv_cb.h, ucnv_err.h, ucol.h).
 */
#include <stddef.h>
#include <stdint.h>

#ifndef ICU_SUFFIX
#error "compile with -DICU_SUFFIX=_NN (the ICU major version QtCore was linked against)"
#endif
#define ICU_CAT2(a, b) a##b
#define ICU_CAT(a, b) ICU_CAT2(a, b)
#define ICU(name) ICU_CAT(name, ICU_SUFFIX)
#define EXPORT __attribute__((visibility("default")))

typedef int UErrorCode;
typedef uint16_t UChar;
typedef int32_t UChar32;
typedef int8_t UBool;
typedef void (*UConverterCallback)(void);

enum { U_UNSUPPORTED_ERROR = 16 };

static void unsupported(UErrorCode *status)
{
    if (status != NULL && *status <= 0)
        *status = U_UNSUPPORTED_ERROR;
}

/* unicode/ustring.h */
EXPORT int32_t ICU(u_strToLower)(UChar *dest, int32_t cap, const UChar *src, int32_t len,
                                 const char *locale, UErrorCode *status)
{ (void)dest; (void)cap; (void)src; (void)len; (void)locale; unsupported(status); return 0; }
EXPORT int32_t ICU(u_strToUpper)(UChar *dest, int32_t cap, const UChar *src, int32_t len,
                                 const char *locale, UErrorCode *status)
{ (void)dest; (void)cap; (void)src; (void)len; (void)locale; unsupported(status); return 0; }

/* unicode/ucal.h */
EXPORT void *ICU(ucal_open)(const UChar *zone, int32_t len, const char *locale, int type,
                            UErrorCode *status)
{ (void)zone; (void)len; (void)locale; (void)type; unsupported(status); return NULL; }
EXPORT void ICU(ucal_close)(void *cal) { (void)cal; }
EXPORT int32_t ICU(ucal_getCanonicalTimeZoneID)(const UChar *id, int32_t len, UChar *result,
                                                int32_t cap, UBool *is_system, UErrorCode *status)
{ (void)id; (void)len; (void)result; (void)cap; if (is_system) *is_system = 0; unsupported(status); return 0; }
EXPORT int32_t ICU(ucal_getTimeZoneDisplayName)(const void *cal, int type, const char *locale,
                                                UChar *result, int32_t cap, UErrorCode *status)
{ (void)cal; (void)type; (void)locale; (void)result; (void)cap; unsupported(status); return 0; }

/* unicode/ucnv.h, ucnv_cb.h, ucnv_err.h: no converter can be opened, so the rest is never reached
 * with a real converter; they still fail cleanly if called. */
EXPORT void *ICU(ucnv_open)(const char *name, UErrorCode *status)
{ (void)name; unsupported(status); return NULL; }
EXPORT void ICU(ucnv_close)(void *cnv) { (void)cnv; }
EXPORT void ICU(ucnv_reset)(void *cnv) { (void)cnv; }
EXPORT int32_t ICU(ucnv_countAvailable)(void) { return 0; }
EXPORT const char *ICU(ucnv_getAvailableName)(int32_t n) { (void)n; return NULL; }
EXPORT const char *ICU(ucnv_getName)(const void *cnv, UErrorCode *status)
{ (void)cnv; unsupported(status); return NULL; }
EXPORT const char *ICU(ucnv_getStandardName)(const char *name, const char *standard, UErrorCode *status)
{ (void)name; (void)standard; unsupported(status); return NULL; }
EXPORT int8_t ICU(ucnv_getMaxCharSize)(const void *cnv) { (void)cnv; return 1; }
EXPORT int32_t ICU(ucnv_fromUCountPending)(const void *cnv, UErrorCode *status)
{ (void)cnv; unsupported(status); return 0; }
EXPORT int32_t ICU(ucnv_toUCountPending)(const void *cnv, UErrorCode *status)
{ (void)cnv; unsupported(status); return 0; }
EXPORT void ICU(ucnv_fromUnicode)(void *cnv, char **target, const char *target_limit, const UChar **source,
                                  const UChar *source_limit, int32_t *offsets, UBool flush, UErrorCode *status)
{ (void)cnv; (void)target; (void)target_limit; (void)source; (void)source_limit; (void)offsets; (void)flush;
  unsupported(status); }
EXPORT void ICU(ucnv_toUnicode)(void *cnv, UChar **target, const UChar *target_limit, const char **source,
                                const char *source_limit, int32_t *offsets, UBool flush, UErrorCode *status)
{ (void)cnv; (void)target; (void)target_limit; (void)source; (void)source_limit; (void)offsets; (void)flush;
  unsupported(status); }
EXPORT void ICU(ucnv_getFromUCallBack)(const void *cnv, UConverterCallback *action, const void **context)
{ (void)cnv; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ICU(ucnv_getToUCallBack)(const void *cnv, UConverterCallback *action, const void **context)
{ (void)cnv; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ICU(ucnv_setFromUCallBack)(void *cnv, UConverterCallback action, const void *context,
                                       UConverterCallback *old_action, const void **old_context,
                                       UErrorCode *status)
{ (void)cnv; (void)action; (void)context; (void)old_action; (void)old_context; unsupported(status); }
EXPORT void ICU(ucnv_setToUCallBack)(void *cnv, UConverterCallback action, const void *context,
                                     UConverterCallback *old_action, const void **old_context,
                                     UErrorCode *status)
{ (void)cnv; (void)action; (void)context; (void)old_action; (void)old_context; unsupported(status); }
EXPORT void ICU(ucnv_cbFromUWriteUChars)(void *args, const UChar **source, const UChar *source_limit,
                                         int32_t offset_index, UErrorCode *status)
{ (void)args; (void)source; (void)source_limit; (void)offset_index; unsupported(status); }
EXPORT void ICU(ucnv_cbToUWriteUChars)(void *args, const UChar *source, int32_t length,
                                       int32_t offset_index, UErrorCode *status)
{ (void)args; (void)source; (void)length; (void)offset_index; unsupported(status); }
EXPORT void ICU(UCNV_FROM_U_CALLBACK_SUBSTITUTE)(const void *context, void *args, const UChar *units,
                                                 int32_t length, UChar32 code_point, int reason,
                                                 UErrorCode *status)
{ (void)context; (void)args; (void)units; (void)length; (void)code_point; (void)reason; unsupported(status); }
EXPORT void ICU(UCNV_TO_U_CALLBACK_SUBSTITUTE)(const void *context, void *args, const char *units,
                                               int32_t length, int reason, UErrorCode *status)
{ (void)context; (void)args; (void)units; (void)length; (void)reason; unsupported(status); }

/* unicode/ucol.h: QCollator falls back to comparing code points when ucol_open fails. */
EXPORT void *ICU(ucol_open)(const char *locale, UErrorCode *status)
{ (void)locale; unsupported(status); return NULL; }
EXPORT void ICU(ucol_close)(void *coll) { (void)coll; }
EXPORT void ICU(ucol_setAttribute)(void *coll, int attr, int value, UErrorCode *status)
{ (void)coll; (void)attr; (void)value; unsupported(status); }
EXPORT int ICU(ucol_strcoll)(const void *coll, const UChar *a, int32_t alen, const UChar *b, int32_t blen)
{ (void)coll; (void)a; (void)alen; (void)b; (void)blen; return 0; }
EXPORT int32_t ICU(ucol_getSortKey)(const void *coll, const UChar *src, int32_t len, uint8_t *result,
                                    int32_t cap)
{ (void)coll; (void)src; (void)len; (void)result; (void)cap; return 0; }
