-- sockrec.lua - Wireshark plugin for captures written by sockrec (pcapng).
--
-- Makes the process and container behind each packet filterable:
--   sockrec.pid == 1234        sockrec.comm == "curl"
--   sockrec.container.name == "orders"   sockrec.profile == "orders-api"
--   sockrec.synthesized        (handshakes, ACKs sockrec made up)
-- and decodes sockrec's Custom Blocks (PEN 32473, magic "SRNG"): process
-- snapshots, containers, connection events, loss counters, ... show as
-- "sockrec" records with their fields (sockrec.record == "process").
--
-- Packets: Wireshark 4.0 gives Lua no access to custom options, so packet
-- fields come from the packet comments sockrec writes (ptcpdump style):
--   "PID: <pid>\nCmd: <comm>\nArgs: <args>"
--   "ContainerName: ..\nContainerId: ..\nContainerImage: .."
--   "ADI_PROFILE_NAME: <name>"
--   "sockrec: <syscall> fd=<fd> bytes=<n> tid=<tid>[ truncated][ captured=<n>]..."
--   "sockrec: synthesized ..."
--
-- Use: tshark -X lua_script:tools/wireshark/sockrec.lua -r capture.pcapng
--      or copy this file to ~/.local/lib/wireshark/plugins/ (Wireshark >= 4.0).
-- Layout of the blocks: format/FORMAT.md, "The .pcapng container".

local proto = Proto("sockrec", "sockrec process metadata")

local PEN = 32473
local REC = { [1] = "capture_header", [2] = "data", [3] = "conn", [4] = "process",
	[5] = "container", [6] = "loss", [7] = "end", [8] = "proc_event", [9] = "tls" }
local SYSCALLS = { "read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg",
	"sendmsg", "sendfile", "splice", "connect", "accept", "accept4", "close", "recvmmsg",
	"sendmmsg", "SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex" }
local CONN_KIND = { "connect", "accept", "close" }
local PEV_KIND = { "fork", "exec", "exit" }
local DIRS = { "send", "recv" }

local f = {
	pid = ProtoField.uint32("sockrec.pid", "PID"),
	tid = ProtoField.uint32("sockrec.tid", "Thread ID"),
	comm = ProtoField.string("sockrec.comm", "Command"),
	args = ProtoField.string("sockrec.args", "Arguments"),
	profile = ProtoField.string("sockrec.profile", "ADI_PROFILE_NAME"),
	ctr_name = ProtoField.string("sockrec.container.name", "Container name"),
	ctr_id = ProtoField.string("sockrec.container.id", "Container ID"),
	ctr_image = ProtoField.string("sockrec.container.image", "Container image"),
	syscall = ProtoField.string("sockrec.syscall", "Syscall"),
	tls_library = ProtoField.string("sockrec.tls.library", "TLS library"),
	tls_path = ProtoField.string("sockrec.tls.path", "TLS library file"),
	fd = ProtoField.int32("sockrec.fd", "File descriptor"),
	bytes = ProtoField.uint64("sockrec.bytes", "Bytes the syscall moved"),
	captured = ProtoField.uint32("sockrec.captured", "Bytes captured"),
	truncated = ProtoField.bool("sockrec.truncated", "Payload truncated"),
	seen_twice = ProtoField.bool("sockrec.seen_twice",
		"Bytes already shown (both ends recorded)"),
	synth = ProtoField.bool("sockrec.synthesized", "Synthesized by sockrec"),
	note = ProtoField.string("sockrec.note", "Note"),
	-- custom blocks
	record = ProtoField.string("sockrec.record", "Record type"),
	version = ProtoField.string("sockrec.version", "Item version"),
	index = ProtoField.uint32("sockrec.index", "Record index"),
	reclen = ProtoField.uint32("sockrec.record_len", "Record length"),
	ppid = ProtoField.uint32("sockrec.ppid", "Parent PID"),
	uid = ProtoField.uint32("sockrec.uid", "UID"),
	exe = ProtoField.string("sockrec.exe", "Executable"),
	ret = ProtoField.int32("sockrec.ret", "Return value"),
	kind = ProtoField.string("sockrec.kind", "Event"),
	exit_code = ProtoField.int32("sockrec.exit_code", "Exit code"),
	runtime = ProtoField.string("sockrec.container.runtime", "Container runtime"),
	addrs = ProtoField.string("sockrec.container.addrs", "Container addresses"),
	hostname = ProtoField.string("sockrec.hostname", "Host"),
	tool = ProtoField.string("sockrec.tool_version", "sockrec version"),
	kernel = ProtoField.string("sockrec.kernel", "Kernel"),
	snaplen = ProtoField.uint32("sockrec.snaplen", "Snaplen"),
	ring_full = ProtoField.uint64("sockrec.loss.ring_full", "Events lost (ring full)"),
	loss_trunc = ProtoField.uint64("sockrec.loss.truncated", "Payloads truncated"),
	events = ProtoField.uint64("sockrec.loss.events", "Events"),
	records = ProtoField.uint64("sockrec.end.records", "Records written"),
	error = ProtoField.string("sockrec.error", "Error"),
}
local list = {}
for _, v in pairs(f) do list[#list + 1] = v end
proto.fields = list

local f_comment = Field.new("frame.comment")
local f_pen = Field.new("frame.cb_pen")

-- ---- packets: the comments ----

local marker -- the note of the capture-start marker packet, if this is it

local function add_comment(tree, text)
	local synthesized = false
	for line in string.gmatch(text, "[^\n]+") do
		local key, val = string.match(line, "^([%w_]+): (.*)$")
		if key == "PID" then
			local n = tonumber(val)
			if n then tree:add(f.pid, n) end
		elseif key == "Cmd" then tree:add(f.comm, val)
		elseif key == "Args" then tree:add(f.args, val)
		elseif key == "ContainerName" then tree:add(f.ctr_name, val)
		elseif key == "ContainerId" then tree:add(f.ctr_id, val)
		elseif key == "ContainerImage" then tree:add(f.ctr_image, val)
		elseif key == "ADI_PROFILE_NAME" then tree:add(f.profile, val)
		elseif key == "sockrec" then
			if string.find(val, "^synthesized") then
				synthesized = true
				tree:add(f.synth, true)
				tree:add(f.note, val)
			elseif string.find(val, "^capture start") then
				tree:add(f.note, val)
				marker = val
			else
				local sys = string.match(val, "^(%S+)")
				if sys then tree:add(f.syscall, sys) end
				local fd = tonumber(string.match(val, " fd=(%-?%d+)") or "")
				if fd then tree:add(f.fd, fd) end
				local b = string.match(val, " bytes=(%d+)")
				if b then tree:add(f.bytes, UInt64.fromdecimal(b)) end
				local tid = tonumber(string.match(val, " tid=(%d+)") or "")
				if tid then tree:add(f.tid, tid) end
				local cap = tonumber(string.match(val, " captured=(%d+)") or "")
				if cap then tree:add(f.captured, cap) end
				if string.find(val, " truncated") then tree:add(f.truncated, true) end
				if string.find(val, "already shown") then tree:add(f.seen_twice, true) end
			end
		end
	end
	return synthesized
end

-- ---- custom blocks: the records ----

-- a bounds-checked reader over a TvbRange
local function reader(range)
	local r = { range = range, pos = 0, len = range:len(), ok = true }
	function r:need(n)
		if not self.ok or self.pos + n > self.len then
			self.ok = false
			return false
		end
		return true
	end
	function r:u8() if not self:need(1) then return 0 end
		local v = self.range(self.pos, 1):uint(); self.pos = self.pos + 1; return v end
	function r:u16() if not self:need(2) then return 0 end
		local v = self.range(self.pos, 2):le_uint(); self.pos = self.pos + 2; return v end
	function r:u32() if not self:need(4) then return 0 end
		local v = self.range(self.pos, 4):le_uint(); self.pos = self.pos + 4; return v end
	function r:i32() if not self:need(4) then return 0 end
		local v = self.range(self.pos, 4):le_int(); self.pos = self.pos + 4; return v end
	function r:u64() if not self:need(8) then return UInt64(0) end
		local v = self.range(self.pos, 8):le_uint64(); self.pos = self.pos + 8; return v end
	function r:skip(n) if self:need(n) then self.pos = self.pos + n end end
	-- a length-prefixed field: its range (or nil) and printable text
	function r:bytes()
		local n = self:u32()
		if not self:need(n) then return nil, "" end
		local sub = n > 0 and self.range(self.pos, n) or nil
		self.pos = self.pos + n
		if not sub then return nil, "" end
		local s = sub:raw()
		s = string.gsub(s, "%z", " ")
		s = string.gsub(s, "[%c]", "?")
		return sub, s
	end
	function r:comm()
		if not self:need(16) then return nil, "" end
		local sub = self.range(self.pos, 16)
		self.pos = self.pos + 16
		return sub, sub:stringz()
	end
	return r
end

local function add_bytes(tree, field, r)
	local sub, text = r:bytes()
	if sub then tree:add(field, sub, text) end
	return text
end

local decode = {}

decode[1] = function(t, r) -- capture header
	r:skip(16)
	t:add(f.snaplen, r.range(r.pos, 4), r:u32())
	r:skip(12)
	local v = add_bytes(t, f.tool, r)
	local h = add_bytes(t, f.hostname, r)
	add_bytes(t, f.kernel, r)
	return "capture header: sockrec " .. v .. " on " .. h
end

decode[2] = function(t, r) -- data
	r:skip(8)
	local pid = r:u32()
	t:add(f.pid, pid)
	t:add(f.tid, r:u32())
	r:skip(8)
	t:add(f.fd, r:i32())
	local sys = SYSCALLS[r:u16()] or "?"
	t:add(f.syscall, sys)
	local dir = DIRS[r:u8()] or "?"
	r:skip(1 + 32 + 4 + 4 + 4)
	local bytes = r:u64()
	t:add(f.bytes, bytes)
	local _, comm = r:comm()
	t:add(f.comm, comm)
	return string.format("data %s %s %s bytes, pid %d %s", sys, dir, tostring(bytes), pid, comm)
end

decode[3] = function(t, r) -- conn
	r:skip(8)
	local pid = r:u32()
	t:add(f.pid, pid)
	t:add(f.tid, r:u32())
	r:skip(8)
	t:add(f.fd, r:i32())
	local ret = r:i32()
	t:add(f.ret, ret)
	t:add(f.syscall, SYSCALLS[r:u16()] or "?")
	local kind = CONN_KIND[r:u8()] or "?"
	t:add(f.kind, kind)
	r:skip(1 + 32 + 4)
	local _, comm = r:comm()
	t:add(f.comm, comm)
	return string.format("%s, pid %d %s, ret %d", kind, pid, comm, ret)
end

decode[4] = function(t, r) -- process
	r:skip(16)
	local pid = r:u32()
	t:add(f.pid, pid)
	t:add(f.ppid, r:u32())
	t:add(f.uid, r:u32())
	r:skip(4)
	local comm = add_bytes(t, f.comm, r)
	local exe = add_bytes(t, f.exe, r)
	add_bytes(t, f.args, r)
	r:bytes() -- environ
	r:bytes() -- cgroup
	add_bytes(t, f.ctr_id, r)
	r:bytes() -- ADI_PROFILE
	local name = add_bytes(t, f.profile, r)
	local err = add_bytes(t, f.error, r)
	local s = string.format("process %d %s (%s)", pid, comm, exe)
	if name ~= "" then s = s .. " ADI_PROFILE_NAME=" .. name end
	if err ~= "" then s = s .. " error: " .. err end
	return s
end

decode[5] = function(t, r) -- container
	r:skip(8)
	local id = add_bytes(t, f.ctr_id, r)
	add_bytes(t, f.runtime, r)
	local name = add_bytes(t, f.ctr_name, r)
	local image = add_bytes(t, f.ctr_image, r)
	r:bytes() -- labels
	local addrs = add_bytes(t, f.addrs, r)
	return string.format("container %s (%s) %s %s", name, string.sub(id, 1, 12), image, addrs)
end

decode[6] = function(t, r) -- loss
	r:skip(24)
	local n = r:u32()
	r:skip(4)
	local events, full, trunc = UInt64(0), UInt64(0), UInt64(0)
	for _ = 1, math.min(n, 4096) do
		r:skip(8)
		events = events + r:u64()
		full = full + r:u64()
		r:skip(8)
		trunc = trunc + r:u64()
		r:skip(8)
	end
	t:add(f.events, events)
	t:add(f.ring_full, full)
	t:add(f.loss_trunc, trunc)
	return string.format("loss: %s events, %s lost (ring full), %s truncated",
		tostring(events), tostring(full), tostring(trunc))
end

decode[7] = function(t, r) -- end
	r:skip(16)
	local n = r:u64()
	t:add(f.records, n)
	return "end of capture, " .. tostring(n) .. " records"
end

decode[8] = function(t, r) -- proc event
	r:skip(8)
	local pid = r:u32()
	t:add(f.pid, pid)
	t:add(f.ppid, r:u32())
	t:add(f.tid, r:u32())
	local kind = PEV_KIND[r:u32()] or "?"
	t:add(f.kind, kind)
	local code = r:i32()
	t:add(f.exit_code, code)
	r:skip(4)
	local _, comm = r:comm()
	t:add(f.comm, comm)
	return string.format("%s, pid %d %s", kind, pid, comm)
end

decode[9] = function(t, r) -- tls library
	r:skip(8)
	local pid = r:u32()
	t:add(f.pid, pid)
	local status = r:u32()
	r:skip(8)
	local lib = add_bytes(t, f.tls_library, r)
	local path = add_bytes(t, f.tls_path, r)
	local err = add_bytes(t, f.error, r)
	if status == 1 then
		return string.format("tls: pid %d, %s (%s) probed for plaintext", pid, lib, path)
	end
	return string.format("tls: pid %d, %s not probed: %s", pid, path, err)
end

local function dissect_block(tvb, pinfo, tree)
	if tvb:len() < 16 or tvb(0, 4):string() ~= "SRNG" then return end
	local t = tree:add(proto, tvb(), "sockrec record")
	local major, minor = tvb(4, 1):uint(), tvb(5, 1):uint()
	t:add(f.version, tvb(4, 2), major .. "." .. minor)
	t:add_le(f.index, tvb(8, 4))
	local len = tvb(12, 4):le_uint()
	if major ~= 1 or tvb(6, 1):uint() ~= 1 or len < 8 or 16 + len > tvb:len() then
		pinfo.cols.protocol = "sockrec"
		pinfo.cols.info = "sockrec item (not decoded)"
		return
	end
	local rec = tvb(16, len)
	local rtype = rec(4, 2):le_uint()
	local name = REC[rtype] or ("type " .. rtype)
	t:add(f.record, rec(4, 2), name)
	t:add(f.reclen, rec(0, 4), len)
	local info = name
	if decode[rtype] and len > 8 then
		info = decode[rtype](t, reader(rec(8, len - 8)))
	end
	pinfo.cols.protocol = "sockrec"
	pinfo.cols.info = info
end

function proto.dissector(tvb, pinfo, tree)
	local pen = f_pen()
	if pen then
		if pen.value == PEN then dissect_block(tvb, pinfo, tree) end
		return
	end
	local comments = { f_comment() }
	if #comments == 0 then return end
	local t = nil
	marker = nil
	for _, c in ipairs(comments) do
		local text = c.value
		if string.find(text, "^PID: ") or string.find(text, "^Container") or
			string.find(text, "^ADI_PROFILE_NAME: ") or string.find(text, "^sockrec: ") then
			if not t then t = tree:add(proto, "sockrec") end
			add_comment(t, text)
		end
	end
	if marker then
		pinfo.cols.protocol = "sockrec"
		pinfo.cols.info = marker
	end
end

register_postdissector(proto)

-- HTTP/2 on any port. Wireshark 4.0 finds HTTP/2 by port (or after an
-- HTTP/1.1 "Upgrade: h2c"); sockrec records services on any port. A TCP
-- payload that starts with the client connection preface (RFC 9113 3.4)
-- makes its server port HTTP/2 for the rest of the file (packets before it,
-- such as a server's SETTINGS sent at accept, need a second pass: tshark -2).
-- Ports can also be given up front:
--   tshark -X lua_script:sockrec.lua -X lua_script1:http2_ports=8080,50051 -r f.pcapng
-- which is the same as tshark -d tcp.port==8080,http2 -d tcp.port==50051,http2.
local h2 = Dissector.get("http2")
local tcp_port = DissectorTable.get("tcp.port")
local H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
local h2_ports = {}

local function h2_port(port)
	if h2 and not h2_ports[port] then
		h2_ports[port] = true
		tcp_port:add(port, h2)
	end
end

for _, arg in ipairs({ ... }) do
	local list = string.match(arg, "^http2_ports=(.*)$")
	if list then
		for p in string.gmatch(list, "%d+") do h2_port(tonumber(p)) end
	end
end

local h2_heur = Proto("sockrec_h2", "sockrec HTTP/2 on any port")

local function h2_heuristic(tvb, pinfo, tree)
	if not h2 or tvb:len() < #H2_PREFACE then return false end
	if tvb:range(0, #H2_PREFACE):string() ~= H2_PREFACE then return false end
	h2_port(pinfo.dst_port)
	h2:call(tvb, pinfo, tree)
	return true
end

h2_heur:register_heuristic("tcp", h2_heuristic)
