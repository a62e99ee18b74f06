/* t_util.c - durations, hashing, growth. */
#include "xdsd/util.h"

#include <stdlib.h>

#include "unit.h"

TEST(duration_parses_istio_forms)
{
    int64_t ms = -1;
    CHECK(duration_parse_ms("1s", &ms) == 0 && ms == 1000);
    CHECK(duration_parse_ms("500ms", &ms) == 0 && ms == 500);
    CHECK(duration_parse_ms("1m30s", &ms) == 0 && ms == 90000);
    CHECK(duration_parse_ms("1h", &ms) == 0 && ms == 3600000);
    CHECK(duration_parse_ms("0.5s", &ms) == 0 && ms == 500);
    CHECK(duration_parse_ms("0", &ms) == 0 && ms == 0);
    CHECK(duration_parse_ms(".5s", &ms) == 0 && ms == 500);
    CHECK(duration_parse_ms("1.5m", &ms) == 0 && ms == 90000);
}

TEST(duration_rejects_garbage)
{
    int64_t ms;
    CHECK(duration_parse_ms("", &ms) == -1);
    CHECK(duration_parse_ms("10", &ms) == -1);
    CHECK(duration_parse_ms("1x", &ms) == -1);
    CHECK(duration_parse_ms("-1s", &ms) == -1);
    CHECK(duration_parse_ms("s", &ms) == -1);
    /* numbers strtod reads and Go's time.ParseDuration does not */
    CHECK(duration_parse_ms("0x10s", &ms) == -1);
    CHECK(duration_parse_ms("1e3ms", &ms) == -1);
    CHECK(duration_parse_ms("infs", &ms) == -1);
    CHECK(duration_parse_ms(" 1s", &ms) == -1);
    CHECK(duration_parse_ms("1..5s", &ms) == -1);
    CHECK(duration_parse_ms(".s", &ms) == -1);
    /* beyond int64 milliseconds */
    CHECK(duration_parse_ms("99999999999999999999h", &ms) == -2);
}

TEST(hash_is_stable)
{
    /* FNV-1a of "a", a published value: versions must not change between builds */
    CHECK(hash_bytes(HASH_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(hash_bytes(HASH_SEED, "", 0) == HASH_SEED);
    /* hash_block: pinned values, so that versions stay those of earlier builds */
    CHECK(hash_block(HASH_SEED, "0123456789abcdefXYZ", 19) == 0x2c1a9be7cb417e18ULL);
    CHECK(hash_block(HASH_SEED, "", 0) == 0x3c78cdf1c7b0fe1cULL);
}

TEST(hash_block_sees_every_byte)
{
    unsigned char buf[64];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)i;
    uint64_t h = hash_block(HASH_SEED, buf, sizeof(buf));
    /* one bit flipped anywhere, or one byte more or less, changes it */
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] ^= 0x10;
        CHECK(hash_block(HASH_SEED, buf, sizeof(buf)) != h);
        buf[i] ^= 0x10;
    }
    CHECK(hash_block(HASH_SEED, buf, sizeof(buf) - 1) != h);
    unsigned char zeros[16] = {0};
    CHECK(hash_block(HASH_SEED, zeros, 8) != hash_block(HASH_SEED, zeros, 16));
}

TEST(xgrow_doubles)
{
    int *a = NULL;
    size_t cap = 0;
    xgrow((void **)&a, &cap, 3, sizeof(*a));
    CHECK(cap >= 3);
    size_t old = cap;
    xgrow((void **)&a, &cap, old + 1, sizeof(*a));
    CHECK(cap == old * 2);
    a[cap - 1] = 7;
    free(a);
}
