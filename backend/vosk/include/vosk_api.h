/*
 * vosk_api.h — declarations of the libvosk C API that the Go binding
 * github.com/alphacep/vosk-api/go v0.3.45 calls. libvosk.so (taken from the
 * npm package vosk@0.3.39 by scripts/install-vosk) ships without its header,
 * so Sentry declares exactly the functions the binding uses, with the
 * signatures the library exports. Keep this file in step with the binding:
 * a function the binding calls but this header lacks fails at compile time.
 */
#ifndef SENTRY_VOSK_API_H
#define SENTRY_VOSK_API_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VoskModel VoskModel;
typedef struct VoskSpkModel VoskSpkModel;
typedef struct VoskRecognizer VoskRecognizer;

/* Models. vosk_model_new returns NULL when the folder is not a model. */
VoskModel *vosk_model_new(const char *model_path);
void vosk_model_free(VoskModel *model);
int vosk_model_find_word(VoskModel *model, const char *word);

VoskSpkModel *vosk_spk_model_new(const char *model_path);
void vosk_spk_model_free(VoskSpkModel *model);

/* Recognizers. */
VoskRecognizer *vosk_recognizer_new(VoskModel *model, float sample_rate);
VoskRecognizer *vosk_recognizer_new_spk(VoskModel *model, float sample_rate, VoskSpkModel *spk_model);
VoskRecognizer *vosk_recognizer_new_grm(VoskModel *model, float sample_rate, const char *grammar);
void vosk_recognizer_set_spk_model(VoskRecognizer *recognizer, VoskSpkModel *spk_model);
void vosk_recognizer_set_max_alternatives(VoskRecognizer *recognizer, int max_alternatives);
void vosk_recognizer_set_words(VoskRecognizer *recognizer, int words);
void vosk_recognizer_set_partial_words(VoskRecognizer *recognizer, int partial_words);

/* Returns 1 at the end of an utterance, 0 otherwise, -1 on error. */
int vosk_recognizer_accept_waveform(VoskRecognizer *recognizer, const char *data, int length);

/* The returned JSON strings are owned by the recognizer and stay valid until
 * its next call. */
const char *vosk_recognizer_result(VoskRecognizer *recognizer);
const char *vosk_recognizer_partial_result(VoskRecognizer *recognizer);
const char *vosk_recognizer_final_result(VoskRecognizer *recognizer);
void vosk_recognizer_reset(VoskRecognizer *recognizer);
void vosk_recognizer_free(VoskRecognizer *recognizer);

/* Library-wide settings. */
void vosk_set_log_level(int log_level);
void vosk_gpu_init(void);
void vosk_gpu_thread_init(void);

#ifdef __cplusplus
}
#endif

#endif /* SENTRY_VOSK_API_H */
