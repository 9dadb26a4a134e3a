//! v-queue engine.
